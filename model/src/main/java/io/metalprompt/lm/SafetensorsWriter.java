package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The writing half of {@link Safetensors}: every float tensor as F32, or (typed) F32, F16 and I8 as they are;
 * header padded to 8 bytes with spaces. To a file from NDArrays, or to bytes from Java arrays: one header builder.
 */
final class SafetensorsWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsWriter() {
    }

    /** How one tensor is stored: its safetensors name and bytes per element. */
    private enum Stored {
        F32(4), F16(2), I8(1);

        final int bytes;

        Stored(int bytes) {
            this.bytes = bytes;
        }

        static Stored of(String name, NDArray a, boolean typed) {
            if (!typed) {
                return F32;
            }
            return switch (a.getDataType()) {
                case FLOAT32 -> F32;
                case FLOAT16 -> F16;
                case INT8 -> I8;
                default -> throw new IllegalArgumentException("tensor " + name + " is " + a.getDataType()
                        + "; a typed safetensors file holds FLOAT32, FLOAT16 or INT8");
            };
        }
    }

    /** One tensor as stored: its name, type, shape, and (when written) its little-endian data. */
    private record Entry(String name, Stored stored, long[] shape, Supplier<ByteBuffer> data) {
    }

    /**
     * Writes {@code tensors} in map order: as F32 (converted from any float type) unless {@code typed}, then each in
     * its own type ({@link Stored}). An F32 file loads in Hugging Face {@code from_pretrained}; both load in
     * {@link Safetensors#read}.
     */
    static void write(Path file, Map<String, NDArray> tensors, boolean typed) {
        List<Entry> entries = new ArrayList<>();
        tensors.forEach((name, a) -> {
            Stored stored = Stored.of(name, a, typed);
            entries.add(new Entry(name, stored, a.getShape().getShape(), () -> data(a, stored)));
        });
        ByteBuffer head = ByteBuffer.wrap(header(entries));
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, head);
                for (Entry e : entries) {
                    writeFully(ch, e.data().get());
                }
            }
        } catch (IOException e) {
            throw new ModelLoadException("cannot write " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** What {@link #write} writes with {@code typed} for the same tensors, as bytes ({@link Safetensors#toBytes}). */
    static byte[] toBytes(Map<String, Safetensors.Values> tensors) {
        List<Entry> entries = new ArrayList<>();
        long size = 0;
        for (Map.Entry<String, Safetensors.Values> t : tensors.entrySet()) {
            Safetensors.Values v = t.getValue();
            Stored stored = switch (v.dataType()) {
                case FLOAT32 -> Stored.F32;
                case FLOAT16 -> Stored.F16;
                case INT8 -> Stored.I8;
                default -> throw new IllegalArgumentException("tensor " + t.getKey() + " is " + v.dataType()
                        + "; a typed safetensors file holds FLOAT32, FLOAT16 or INT8");
            };
            entries.add(new Entry(t.getKey(), stored, v.shape(), () -> data(v)));
        }
        byte[] head = header(entries);
        for (Entry e : entries) {
            size += bytes(e);
        }
        if (head.length + size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensors of " + size + " bytes do not fit in a byte array");
        }
        ByteBuffer out = ByteBuffer.allocate((int) (head.length + size));
        out.put(head);
        for (Entry e : entries) {
            out.put(e.data().get());
        }
        return out.array();
    }

    private static long bytes(Entry e) {
        long n = 1;
        for (long d : e.shape()) {
            n *= d;
        }
        return n * e.stored().bytes;
    }

    /** The 8-byte header length and the JSON header of {@code entries}, padded to 8 bytes with spaces. */
    private static byte[] header(List<Entry> entries) {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.stored().name());
            var shape = t.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            long bytes = bytes(e);
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        return head.array();
    }

    /** The little-endian bytes of {@code v} (F32 floats, F16 half bits or I8 bytes). */
    private static ByteBuffer data(Safetensors.Values v) {
        return switch (v.dataType()) {
            case FLOAT32 -> {
                float[] f = v.floats();
                ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(f);
                yield b;
            }
            case FLOAT16 -> {
                short[] h = (short[]) v.data();
                ByteBuffer b = ByteBuffer.allocate(h.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                b.asShortBuffer().put(h);
                yield b;
            }
            default -> ByteBuffer.wrap(v.bytes());
        };
    }

    /** The little-endian bytes of {@code a} stored as {@code stored}. */
    private static ByteBuffer data(NDArray a, Stored stored) {
        return switch (stored) {
            case F32 -> {
                float[] f;
                if (a.getDataType() == DataType.FLOAT32) {
                    f = a.toFloatArray();
                } else {
                    try (NDArray f32 = a.toType(DataType.FLOAT32, true)) {
                        f = f32.toFloatArray();
                    }
                }
                ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(f);
                yield b;
            }
            case F16 -> {
                ByteBuffer raw = a.toByteBuffer().order(ByteOrder.nativeOrder());
                ByteBuffer b = ByteBuffer.allocate(raw.remaining()).order(ByteOrder.LITTLE_ENDIAN);
                b.asShortBuffer().put(raw.asShortBuffer());
                yield b;
            }
            case I8 -> ByteBuffer.wrap(a.toByteArray());
        };
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
