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
import java.util.Map;

/**
 * The writing half of {@link Safetensors}: every float tensor as F32, or (typed) F32, F16 and I8 as they are;
 * header padded to 8 bytes with spaces.
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

    /**
     * Writes {@code tensors} in map order: as F32 (converted from any float type) unless {@code typed}, then each in
     * its own type ({@link Stored}). An F32 file loads in Hugging Face {@code from_pretrained}; both load in
     * {@link Safetensors#read}.
     */
    static void write(Path file, Map<String, NDArray> tensors, boolean typed) {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            Stored stored = Stored.of(e.getKey(), e.getValue(), typed);
            t.put("dtype", stored.name());
            var shape = t.putArray("shape");
            for (long d : e.getValue().getShape().getShape()) {
                shape.add(d);
            }
            long bytes = e.getValue().getShape().size() * stored.bytes;
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
        head.flip();
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, head);
                for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
                    writeFully(ch, data(e.getValue(), Stored.of(e.getKey(), e.getValue(), typed)));
                }
            }
        } catch (IOException e) {
            throw new ModelLoadException("cannot write " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
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
