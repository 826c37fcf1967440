package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Reads and writes the Hugging Face safetensors format: an 8-byte little-endian header length, a JSON
 * header {@code name -> {dtype, shape, data_offsets}}, then the raw little-endian tensor bytes.
 *
 * <p>Reading decodes in Java (never through DJL's decoder, which aborts the JVM on BF16): F32, F16 and
 * BF16 come back as FLOAT32 arrays, I64 as INT64, I8 as INT8. Every malformed input ends in a
 * {@link ModelLoadException} naming the file and tensor. Writing is F32 ({@link #write}), or F32, F16 and I8
 * kept as they are ({@link #writeTyped}).
 */
public final class Safetensors {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Safetensors() {
    }

    /**
     * Reads all tensors from a {@code .safetensors} file, a sharded {@code *.index.json}, or a model folder
     * holding either ({@code model.safetensors} first, then {@code model.safetensors.index.json}).
     *
     * @return name -> array, in file order, all owned by {@code manager}
     */
    public static Map<String, NDArray> read(Path path, NDManager manager) {
        return read(path, manager, name -> true);
    }

    /**
     * As {@link #read(Path, NDManager)}, decoding only tensors whose name passes {@code wanted}: others (e.g. the
     * causal-mask buffers old GPT-2 files carry) are neither decoded nor checked beyond the header.
     */
    public static Map<String, NDArray> read(Path path, NDManager manager, Predicate<String> wanted) {
        Path target = path;
        if (Files.isDirectory(path)) {
            Path single = path.resolve(SINGLE_FILE);
            Path index = path.resolve(INDEX_FILE);
            if (Files.isRegularFile(single)) {
                target = single;
            } else if (Files.isRegularFile(index)) {
                target = index;
            } else {
                throw new ModelLoadException("no weights in " + path.toAbsolutePath() + ": expected " + SINGLE_FILE
                        + " or " + INDEX_FILE);
            }
        }
        if (!Files.isRegularFile(target)) {
            throw new ModelLoadException("weights file not found: " + target.toAbsolutePath());
        }
        if (target.getFileName().toString().endsWith(".json")) {
            return readSharded(target, manager, wanted);
        }
        return readFile(target, manager, wanted);
    }

    private static Map<String, NDArray> readSharded(Path index, NDManager manager, Predicate<String> wanted) {
        JsonNode weightMap;
        try {
            weightMap = JSON.readTree(index.toFile()).get("weight_map");
        } catch (IOException e) {
            throw new ModelLoadException("cannot parse shard index " + index.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        if (weightMap == null || !weightMap.isObject()) {
            throw new ModelLoadException("shard index " + index.toAbsolutePath() + " has no \"weight_map\" object");
        }
        Set<String> shards = new LinkedHashSet<>();
        weightMap.fields().forEachRemaining(e -> shards.add(e.getValue().asText()));
        Map<String, NDArray> all = new LinkedHashMap<>();
        for (String shard : shards) {
            Path file = index.resolveSibling(shard);
            if (!Files.isRegularFile(file)) {
                throw new ModelLoadException("shard " + file.toAbsolutePath() + " listed in " + index.getFileName()
                        + " not found");
            }
            all.putAll(readFile(file, manager, wanted));
        }
        for (Iterator<String> it = weightMap.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (wanted.test(name) && !all.containsKey(name)) {
                throw new ModelLoadException("tensor " + name + " is listed in " + index.toAbsolutePath()
                        + " but missing from shard " + weightMap.get(name).asText());
            }
        }
        return all;
    }

    private static Map<String, NDArray> readFile(Path file, NDManager manager, Predicate<String> wanted) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw truncated(file, "file has " + size + " bytes, less than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen < 2 || headerLen > size - 8 || headerLen > 100_000_000L) {
                throw truncated(file, "header length " + headerLen + " does not fit in a file of " + size + " bytes");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(headerBuf.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new ModelLoadException("corrupt safetensors header in " + file.toAbsolutePath() + ": "
                        + e.getMessage(), e);
            }
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__") || !wanted.test(e.getKey())) {
                    continue;
                }
                out.put(e.getKey(), readTensor(file, ch, e.getKey(), e.getValue(), dataStart, dataSize, manager));
            }
            return out;
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    private static NDArray readTensor(Path file, FileChannel ch, String name, JsonNode info, long dataStart,
            long dataSize, NDManager manager) throws IOException {
        String dtype = info.path("dtype").asText("");
        int elemSize = switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            case "I64" -> 8;
            case "I8" -> 1;
            default -> throw new ModelLoadException("tensor " + name + " in " + file.toAbsolutePath()
                    + " has unsupported dtype \"" + dtype + "\"; supported: F32, F16, BF16, I64, I8");
        };
        JsonNode shapeNode = info.get("shape");
        JsonNode offsets = info.get("data_offsets");
        if (shapeNode == null || !shapeNode.isArray() || offsets == null || offsets.size() != 2) {
            throw new ModelLoadException("tensor " + name + " in " + file.toAbsolutePath()
                    + " lacks a shape or data_offsets entry");
        }
        long[] dims = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shapeNode.get(i).asLong();
            count *= dims[i];
        }
        Shape shape = new Shape(dims);
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (end - begin != count * elemSize || begin < 0) {
            throw new ModelLoadException("tensor " + name + " in " + file.toAbsolutePath() + ": data_offsets ["
                    + begin + ", " + end + ") hold " + (end - begin) + " bytes but " + dtype + shape + " needs "
                    + count * elemSize);
        }
        if (end > dataSize) {
            throw truncated(file, "tensor " + name + " ends at data byte " + end + " but only " + dataSize
                    + " data bytes are present");
        }
        if (count > Integer.MAX_VALUE / elemSize) {
            throw new ModelLoadException("tensor " + name + " in " + file.toAbsolutePath() + " is larger than 2 GiB");
        }
        ByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + begin, end - begin)
                .order(ByteOrder.LITTLE_ENDIAN);
        return decode(buf, dtype, (int) count, shape, manager);
    }

    /** Little-endian bytes of one tensor: F32, F16 and BF16 as FLOAT32, I64 as INT64, I8 as INT8. */
    private static NDArray decode(ByteBuffer buf, String dtype, int n, Shape shape, NDManager manager) {
        switch (dtype) {
            case "F32" -> {
                float[] f = new float[n];
                buf.asFloatBuffer().get(f);
                return manager.create(f, shape);
            }
            case "BF16" -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    f[i] = Float.intBitsToFloat((buf.getShort(2 * i) & 0xffff) << 16);
                }
                return manager.create(f, shape);
            }
            case "F16" -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    f[i] = halfToFloat(buf.getShort(2 * i));
                }
                return manager.create(f, shape);
            }
            case "I8" -> {
                byte[] b = new byte[n];
                buf.get(b);
                return manager.create(b, shape);
            }
            default -> {
                long[] l = new long[n];
                buf.asLongBuffer().get(l);
                return manager.create(l, shape);
            }
        }
    }

    /** IEEE 754 binary16 to binary32 (exact: every half value is a float). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1.0p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static ModelLoadException truncated(Path file, String detail) {
        return new ModelLoadException("truncated or corrupt safetensors file " + file.toAbsolutePath() + ": " + detail);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    /**
     * Writes {@code tensors} as F32 safetensors (converted from any float type), in map order, so the file
     * loads in Hugging Face {@code from_pretrained} and in {@link #read}.
     */
    public static void write(Path file, Map<String, NDArray> tensors) {
        SafetensorsWriter.write(file, tensors, false);
    }

    /**
     * Writes {@code tensors} each in its own type: FLOAT32 as F32, FLOAT16 as F16 (the same bits), INT8 as I8; any
     * other type is refused. For compact files (prompt artifacts); {@link #read} reads them back.
     */
    public static void writeTyped(Path file, Map<String, NDArray> tensors) {
        SafetensorsWriter.write(file, tensors, true);
    }
}
