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

    /** Every binary16 value, each midpoint between neighbours (ties), and floats either side of those midpoints. */
    private static float[] halfBoundaryFloats() {
        java.util.List<Float> v = new java.util.ArrayList<>();
        for (int h = 0; h < 0x7c00; h++) {   // +0 up to the largest finite half, and their negatives below
            float a = Safetensors.halfToFloat((short) h);
            float mid = (float) ((a + (double) Safetensors.halfToFloat((short) (h + 1))) / 2);
            for (float x : new float[] {a, mid, Math.nextDown(mid), Math.nextUp(mid)}) {
                if (Math.abs(x) <= 65504f) {
                    v.add(x);
                    v.add(-x);
                }
            }
        }
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }

    @Test
    void floatToHalfRoundsAsPyTorchCasts() {
        // the reference: PyTorch's float32 -> float16 cast, on every half, every tie and the floats next to the ties
        float[] x = halfBoundaryFloats();
        java.nio.ShortBuffer torch;
        try (NDArray half = manager.create(x).toType(DataType.FLOAT16, false)) {
            torch = half.toByteBuffer().order(ByteOrder.nativeOrder()).asShortBuffer();
        }
        for (int i = 0; i < x.length; i++) {
            assertEquals(torch.get(i), Safetensors.floatToHalf(x[i]), "float " + x[i] + " (bits "
                    + Integer.toHexString(Float.floatToRawIntBits(x[i])) + ")");
        }
        float[] wide = manager.randomNormal(0, 100, new Shape(1 << 16), DataType.FLOAT32).toFloatArray();
        try (NDArray half = manager.create(wide).toType(DataType.FLOAT16, false)) {
            torch = half.toByteBuffer().order(ByteOrder.nativeOrder()).asShortBuffer();
        }
        for (int i = 0; i < wide.length; i++) {
            assertEquals(torch.get(i), Safetensors.floatToHalf(wide[i]), "float " + wide[i]);
        }
        assertEquals((short) 0x7c00, Safetensors.floatToHalf(65520f), "65504 + half a step: the even infinity");
        assertEquals((short) 0x7bff, Safetensors.floatToHalf(Math.nextDown(65520f)));
        assertEquals((short) 0xfc00, Safetensors.floatToHalf(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(Safetensors.halfToFloat(Safetensors.floatToHalf(Float.NaN))));
    }

    @Test
    void bytesInMemoryAreTheBytesOfTheFileAndReadTheSame() throws IOException {
        float[] f32 = manager.randomNormal(0, 3, new Shape(2 * 3 * 5), DataType.FLOAT32).toFloatArray();
        short[] f16 = new short[7];
        for (int i = 0; i < f16.length; i++) {
            f16[i] = Safetensors.floatToHalf(f32[i] * 100);
        }
        byte[] i8 = {-127, -1, 0, 1, 127, 42};
        Map<String, Safetensors.Values> values = new LinkedHashMap<>();
        values.put("z.f32", new Safetensors.Values(DataType.FLOAT32, new long[] {2, 3, 5}, f32));
        values.put("a.f16", new Safetensors.Values(DataType.FLOAT16, new long[] {7}, f16));
        values.put("m.i8", new Safetensors.Values(DataType.INT8, new long[] {1, 2, 3}, i8));
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        arrays.put("z.f32", manager.create(f32, new Shape(2, 3, 5)));
        java.nio.ByteBuffer halfBits = java.nio.ByteBuffer.allocateDirect(2 * f16.length).order(ByteOrder.nativeOrder());
        halfBits.asShortBuffer().put(f16);
        arrays.put("a.f16", manager.create(halfBits, new Shape(7), DataType.FLOAT16));
        arrays.put("m.i8", manager.create(i8, new Shape(1, 2, 3)));
        Path f = tmp.resolve("same.safetensors");
        Safetensors.writeTyped(f, arrays);
        byte[] inMemory = Safetensors.toBytes(values);
        assertArrayEquals(Files.readAllBytes(f), inMemory, "the in-memory writer writes the file's bytes");

        Map<String, NDArray> fromFile = Safetensors.read(f, manager);
        Map<String, Safetensors.Values> fromBytes = Safetensors.read(inMemory, "test bytes");
        assertEquals(new java.util.ArrayList<>(fromFile.keySet()), new java.util.ArrayList<>(fromBytes.keySet()));
        for (String name : fromFile.keySet()) {
            NDArray a = fromFile.get(name);
            Safetensors.Values v = fromBytes.get(name);
            assertEquals(a.getDataType(), v.dataType(), name);
            assertArrayEquals(a.getShape().getShape(), v.shape(), name);
            if (v.dataType() == DataType.INT8) {
                assertArrayEquals(a.toByteArray(), v.bytes(), name);
            } else {
                assertArrayEquals(a.toFloatArray(), v.floats(), 0f, name);
            }
        }
    }

    @Test
    void damagedBytesFailAsADamagedFileDoes() throws IOException {
        byte[] good = Safetensors.toBytes(Map.of("x", new Safetensors.Values(DataType.FLOAT32, new long[] {4},
                new float[] {1, 2, 3, 4})));
        for (int cut : new int[] {good.length - 1, 12, 7}) {
            byte[] shortBytes = java.util.Arrays.copyOf(good, cut);
            Path f = tmp.resolve("cut" + cut + ".safetensors");
            Files.write(f, shortBytes);
            String fileMessage = assertThrows(ModelLoadException.class, () -> Safetensors.read(f, manager)).getMessage();
            String bytesMessage = assertThrows(ModelLoadException.class,
                    () -> Safetensors.read(shortBytes, "the test's bytes")).getMessage();
            assertTrue(bytesMessage.contains("truncated") && bytesMessage.contains("the test's bytes"), bytesMessage);
            assertEquals(fileMessage.replace("file " + f.toAbsolutePath(), "data the test's bytes")
                    .replace("in a file of", "in").replace(": file has", ": data has"), bytesMessage);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Safetensors.toBytes(
                Map.of("ids", new Safetensors.Values(DataType.INT64, new long[] {1}, new long[] {3}))));
        assertTrue(e.getMessage().contains("ids") && e.getMessage().toUpperCase(java.util.Locale.ROOT).contains("INT64"),
                e.getMessage());
    }
}
