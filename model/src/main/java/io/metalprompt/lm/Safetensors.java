package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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
 * kept as they are ({@link #writeTyped}). Byte arrays are read and written the same way in memory, with the same
 * checks, into and from Java arrays ({@link #read(byte[], String)}, {@link #toBytes}): no engine, no file.
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
            Source source = new Source() {
                @Override
                public long size() throws IOException {
                    return ch.size();
                }

                @Override
                public void read(ByteBuffer dst, long pos) throws IOException {
                    readFully(ch, dst, pos);
                }

                @Override
                public ByteBuffer slice(long pos, long length) throws IOException {
                    return ch.map(FileChannel.MapMode.READ_ONLY, pos, length);
                }
            };
            Map<String, NDArray> out = new LinkedHashMap<>();
            entries(source, "file", file.toAbsolutePath().toString(), wanted, (name, values) ->
                    out.put(name, create(manager, values)));
            return out;
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /**
     * A tensor as Java values, what {@link #read(byte[], String)} returns and {@link #toBytes} takes: FLOAT32 as
     * {@code float[]}, FLOAT16 as {@code short[]} (the binary16 bits; for writing: reading gives F16 as FLOAT32), INT8
     * as {@code byte[]}, INT64 as {@code long[]}; row-major, {@code shape}'s element count long.
     */
    public record Values(DataType dataType, long[] shape, Object data) {
        public Values {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            int length = switch (dataType) {
                case FLOAT32 -> ((float[]) data).length;
                case FLOAT16 -> ((short[]) data).length;
                case INT8 -> ((byte[]) data).length;
                case INT64 -> ((long[]) data).length;
                default -> throw new IllegalArgumentException("tensor values of type " + dataType
                        + "; FLOAT32, FLOAT16, INT8 or INT64 are held");
            };
            if (length != n) {
                throw new IllegalArgumentException("shape " + new Shape(shape) + " needs " + n + " values, got " + length);
            }
        }

        public float[] floats() {
            return (float[]) data;
        }

        public byte[] bytes() {
            return (byte[]) data;
        }
    }

    /**
     * Reads the tensors of safetensors bytes (what a {@code .safetensors} file holds) into Java arrays, with the checks
     * and type conversions of {@link #read(Path, NDManager)}: F32, F16 and BF16 as FLOAT32, I64 as INT64, I8 as INT8.
     * {@code what} names the bytes in errors. No engine, no file.
     *
     * @return name -> values, in header order
     */
    public static Map<String, Values> read(byte[] bytes, String what) {
        ByteBuffer all = ByteBuffer.wrap(bytes);
        Source source = new Source() {
            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public void read(ByteBuffer dst, long pos) {
                if (pos + dst.remaining() > bytes.length) {
                    throw new IllegalStateException("read beyond the bytes");   // entries() checks sizes first
                }
                dst.put(bytes, (int) pos, dst.remaining());
            }

            @Override
            public ByteBuffer slice(long pos, long length) {
                return all.slice((int) pos, (int) length);
            }
        };
        Map<String, Values> out = new LinkedHashMap<>();
        try {
            entries(source, "data", what, name -> true, out::put);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + what + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Where a safetensors file or byte array is read from. */
    private interface Source {
        long size() throws IOException;

        void read(ByteBuffer dst, long pos) throws IOException;

        /** {@code length} bytes from {@code pos}, little-endian. */
        ByteBuffer slice(long pos, long length) throws IOException;
    }

    /**
     * Checks the header of {@code source} ({@code kind} and {@code name} name it in errors: "file", its path) and hands
     * each wanted tensor's values, in header order, to {@code sink}.
     */
    private static void entries(Source source, String kind, String name, Predicate<String> wanted,
                                java.util.function.BiConsumer<String, Values> sink) throws IOException {
        long size = source.size();
        if (size < 8) {
            throw truncated(kind, name, kind + " has " + size + " bytes, less than the 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        source.read(lenBuf, 0);
        long headerLen = lenBuf.flip().getLong();
        if (headerLen < 2 || headerLen > size - 8 || headerLen > 100_000_000L) {
            throw truncated(kind, name, "header length " + headerLen + " does not fit in "
                    + (kind.equals("file") ? "a file of " : "") + size + " bytes");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
        source.read(headerBuf, 8);
        JsonNode header;
        try {
            header = JSON.readTree(new String(headerBuf.array(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ModelLoadException("corrupt safetensors header in " + name + ": " + e.getMessage(), e);
        }
        long dataStart = 8 + headerLen;
        long dataSize = size - dataStart;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__") || !wanted.test(e.getKey())) {
                continue;
            }
            sink.accept(e.getKey(), readTensor(source, kind, name, e.getKey(), e.getValue(), dataStart, dataSize));
        }
    }

    private static Values readTensor(Source source, String kind, String where, String name, JsonNode info,
                                     long dataStart, long dataSize) throws IOException {
        String dtype = info.path("dtype").asText("");
        int elemSize = switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            case "I64" -> 8;
            case "I8" -> 1;
            default -> throw new ModelLoadException("tensor " + name + " in " + where
                    + " has unsupported dtype \"" + dtype + "\"; supported: F32, F16, BF16, I64, I8");
        };
        JsonNode shapeNode = info.get("shape");
        JsonNode offsets = info.get("data_offsets");
        if (shapeNode == null || !shapeNode.isArray() || offsets == null || offsets.size() != 2) {
            throw new ModelLoadException("tensor " + name + " in " + where + " lacks a shape or data_offsets entry");
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
            throw new ModelLoadException("tensor " + name + " in " + where + ": data_offsets ["
                    + begin + ", " + end + ") hold " + (end - begin) + " bytes but " + dtype + shape + " needs "
                    + count * elemSize);
        }
        if (end > dataSize) {
            throw truncated(kind, where, "tensor " + name + " ends at data byte " + end + " but only " + dataSize
                    + " data bytes are present");
        }
        if (count > Integer.MAX_VALUE / elemSize) {
            throw new ModelLoadException("tensor " + name + " in " + where + " is larger than 2 GiB");
        }
        ByteBuffer buf = source.slice(dataStart + begin, end - begin).order(ByteOrder.LITTLE_ENDIAN);
        return new Values(dtype.equals("I8") ? DataType.INT8 : dtype.equals("I64") ? DataType.INT64 : DataType.FLOAT32,
                dims, decode(buf, dtype, (int) count));
    }

    /** Little-endian bytes of one tensor: F32, F16 and BF16 as a float[], I64 as a long[], I8 as a byte[]. */
    private static Object decode(ByteBuffer buf, String dtype, int n) {
        switch (dtype) {
            case "F32" -> {
                float[] f = new float[n];
                buf.asFloatBuffer().get(f);
                return f;
            }
            case "BF16" -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    f[i] = Float.intBitsToFloat((buf.getShort(2 * i) & 0xffff) << 16);
                }
                return f;
            }
            case "F16" -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    f[i] = halfToFloat(buf.getShort(2 * i));
                }
                return f;
            }
            case "I8" -> {
                byte[] b = new byte[n];
                buf.get(b);
                return b;
            }
            default -> {
                long[] l = new long[n];
                buf.asLongBuffer().get(l);
                return l;
            }
        }
    }

    private static NDArray create(NDManager manager, Values v) {
        Shape shape = new Shape(v.shape());
        return switch (v.dataType()) {
            case FLOAT32 -> manager.create(v.floats(), shape);
            case INT8 -> manager.create(v.bytes(), shape);
            default -> manager.create((long[]) v.data(), shape);
        };
    }

    /** IEEE 754 binary16 to binary32 (exact: every half value is a float). */
    public static float halfToFloat(short h) {
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

    /**
     * IEEE 754 binary32 to binary16, rounded to the nearest half (ties to even), as PyTorch casts to float16: beyond
     * the largest half (65504) by half a step or more gives an infinity, below the smallest subnormal (2^-24) by half
     * or more a signed zero; a NaN stays a (quiet) NaN.
     */
    public static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs > 0x7f800000) {
            return (short) (sign | 0x7e00 | ((abs >>> 13) & 0x3ff));
        }
        if (abs >= 0x477ff000) {   // 65520 = 65504 + half a step, and up: infinity (the tie goes to the even infinity)
            return (short) (sign | 0x7c00);
        }
        if (abs >= 0x38800000) {   // 2^-14 and up: a normal half; rebias the exponent (127 -> 15), round 23 -> 10 bits
            int v = abs - (112 << 23);
            return (short) (sign | ((v + 0x0fff + ((v >>> 13) & 1)) >>> 13));
        }
        if (abs <= 0x33000000) {   // 2^-25 (half the smallest subnormal, a tie to the even 0) and below
            return (short) sign;
        }
        int exponent = abs >>> 23;   // 102..112: a subnormal half q * 2^-24, q = m * 2^(exponent - 126)
        int m = (abs & 0x7fffff) | 0x800000;
        int shift = 126 - exponent;
        int q = m >>> shift;
        int rest = m & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rest > half || (rest == half && (q & 1) == 1)) {
            q++;   // may become 0x400, the smallest normal: the same bits
        }
        return (short) (sign | q);
    }

    private static ModelLoadException truncated(String kind, String name, String detail) {
        return new ModelLoadException("truncated or corrupt safetensors " + kind + " " + name + ": " + detail);
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

    /**
     * The bytes {@link #writeTyped} writes for the same tensors, built in memory: FLOAT32 as F32, FLOAT16 (half bits)
     * as F16, INT8 as I8, in map order; any other type is refused. {@link #read(byte[], String)} reads them back.
     */
    public static byte[] toBytes(Map<String, Values> tensors) {
        return SafetensorsWriter.toBytes(tensors);
    }
}
