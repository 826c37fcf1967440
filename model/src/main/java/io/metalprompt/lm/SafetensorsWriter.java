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

/** The writing half of {@link Safetensors}: F32 only, header padded to 8 bytes with spaces. */
final class SafetensorsWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsWriter() {
    }

    /**
     * Writes {@code tensors} as F32 safetensors (converted from any float type), in map order, so the file
     * loads in Hugging Face {@code from_pretrained} and in {@link #read}.
     */
    static void write(Path file, Map<String, NDArray> tensors) {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (long d : e.getValue().getShape().getShape()) {
                shape.add(d);
            }
            long bytes = e.getValue().getShape().size() * 4;
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
                for (NDArray a : tensors.values()) {
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
                    writeFully(ch, b);
                }
            }
        } catch (IOException e) {
            throw new ModelLoadException("cannot write " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
