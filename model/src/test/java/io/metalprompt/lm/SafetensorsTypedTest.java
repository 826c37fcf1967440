package io.metalprompt.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** {@link Safetensors#writeTyped}: F16 and I8 tensors written as they are and read back; {@code write} stays F32. */
class SafetensorsTypedTest {
    private static NDManager manager;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        Djl.ensureOffline();
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    private static String header(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long len = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new String(all, 8, (int) len, StandardCharsets.UTF_8);
    }

    @Test
    void halfPrecisionValuesRoundTripExactlyInTwoBytesEach() throws IOException {
        // all representable in binary16: normals, the largest half, the smallest subnormal, a signed zero
        float[] want = {1f, -2f, 0.5f, 65504f, (float) Math.pow(2, -24), 0.33325195f, -0f, 1023.5f, -0.0009765625f};
        NDArray half = manager.create(want).toType(DataType.FLOAT16, false);
        Path f = tmp.resolve("f16.safetensors");
        Safetensors.writeTyped(f, Map.of("h", half));
        String h = header(f);
        assertTrue(h.contains("\"dtype\":\"F16\""), h);
        assertEquals(8 + h.length() + 2L * want.length, Files.size(f));
        NDArray back = Safetensors.read(f, manager).get("h");
        assertEquals(DataType.FLOAT32, back.getDataType());
        float[] got = back.toFloatArray();
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), "value " + i + ": " + want[i]);
        }
    }

    @Test
    void halfPrecisionOfAnyFloatIsWithinHalfAnUlp() {
        float[] x = manager.randomNormal(0, 3, new Shape(4096), DataType.FLOAT32).toFloatArray();
        Path f = tmp.resolve("random.safetensors");
        Safetensors.writeTyped(f, Map.of("x", manager.create(x).toType(DataType.FLOAT16, false)));
        float[] got = Safetensors.read(f, manager).get("x").toFloatArray();
        for (int i = 0; i < x.length; i++) {
            // round to nearest in 11 significant bits: relative error <= 2^-11 (normals), absolute <= 2^-25 (subnormals)
            assertTrue(Math.abs(got[i] - x[i]) <= Math.max(Math.abs(x[i]) * 0x1p-11f, 0x1p-25f), x[i] + " -> " + got[i]);
        }
    }

    @Test
    void int8RoundTripsBesideF32() throws IOException {
        byte[] q = {-128, -127, -1, 0, 1, 64, 127, 5};
        Map<String, NDArray> t = new LinkedHashMap<>();
        t.put("q", manager.create(q, new Shape(2, 4)));
        t.put("q.scale", manager.create(new float[] {0.5f, 0.25f}, new Shape(2, 1)));
        Path f = tmp.resolve("i8.safetensors");
        Safetensors.writeTyped(f, t);
        String h = header(f);
        assertTrue(h.contains("\"dtype\":\"I8\"") && h.contains("\"dtype\":\"F32\""), h);
        assertEquals(8 + h.length() + q.length + 2 * 4L, Files.size(f));
        Map<String, NDArray> back = Safetensors.read(f, manager);
        assertEquals(DataType.INT8, back.get("q").getDataType());
        assertEquals(new Shape(2, 4), back.get("q").getShape());
        assertArrayEquals(q, back.get("q").toByteArray());
        assertArrayEquals(new float[] {0.5f, 0.25f}, back.get("q.scale").toFloatArray(), 0f);
    }

    @Test
    void typedRefusesOtherTypesAndPlainWriteStaysF32() throws IOException {
        NDArray ids = manager.create(new long[] {1, 2});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.writeTyped(tmp.resolve("ids.safetensors"), Map.of("ids", ids)));
        assertTrue(e.getMessage().contains("ids") && e.getMessage().toUpperCase(java.util.Locale.ROOT).contains("INT64"), e.getMessage());

        Path f = tmp.resolve("plain.safetensors");
        Safetensors.write(f, Map.of("h", manager.create(new float[] {1.5f, -3f}).toType(DataType.FLOAT16, false)));
        assertTrue(header(f).contains("\"dtype\":\"F32\""), header(f));
        assertArrayEquals(new float[] {1.5f, -3f}, Safetensors.read(f, manager).get("h").toFloatArray(), 0f);
    }
}
