package io.metalprompt.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.metalprompt.lm.Djl;
import io.metalprompt.lm.ModelLoadException;
import io.metalprompt.lm.Safetensors;
import io.metalprompt.prompt.PromptArtifact.Tensor;

/** The tensor section per encoding: sizes, F16 exactness, the INT8 error bound, refused values, damaged sections. */
class PromptTensorCodecTest {

    static {
        Djl.ensureOffline();
    }

    /** A [1,K,k,hd] tensor whose rows span magnitudes from 1e-3 to 1e2, one all-zero row. */
    private static Tensor keys(int heads, int positions, int hd, long seed) {
        Random r = new Random(seed);
        float[] v = new float[heads * positions * hd];
        for (int row = 0; row < heads * positions; row++) {
            double magnitude = row == 3 ? 0 : Math.pow(10, -3 + 5.0 * r.nextDouble());
            for (int j = 0; j < hd; j++) {
                v[row * hd + j] = (float) (r.nextGaussian() * magnitude);
            }
        }
        return new Tensor(new long[] {1, heads, positions, hd}, v);
    }

    private static Map<String, Tensor> prefix() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("keys.0", keys(4, 16, 32, 1));
        t.put("values.0", keys(4, 16, 32, 2));
        return t;
    }

    @Test
    void f32IsExactAndTheCompactEncodingsAreSmaller() {
        Map<String, Tensor> t = prefix();
        int values = 2 * 4 * 16 * 32;
        byte[] f32 = PromptTensorCodec.encode(t, PromptEncoding.F32);
        byte[] f16 = PromptTensorCodec.encode(t, PromptEncoding.F16);
        byte[] int8 = PromptTensorCodec.encode(t, PromptEncoding.INT8);
        Map<String, Tensor> back = PromptTensorCodec.decode(f32);
        assertEquals(t.keySet(), back.keySet());
        t.forEach((n, x) -> assertArrayEquals(x.data(), back.get(n).data(), 0f, n));
        // data bytes plus a header of at most 256 bytes per tensor stored
        assertTrue(f32.length >= 4 * values && f32.length < 4 * values + 2 * 256, "f32 " + f32.length);
        assertTrue(f16.length >= 2 * values && f16.length < 2 * values + 2 * 256, "f16 " + f16.length);
        int rows = 2 * 4 * 16;
        assertTrue(int8.length >= values + 4 * rows && int8.length < values + 4 * rows + 4 * 256, "int8 " + int8.length);
        assertEquals(t.keySet(), PromptTensorCodec.decode(int8).keySet(), "scales are not prompt tensors");
    }

    @Test
    void f16KeepsHalfValuesExactlyAndOthersWithinHalfAnUlp() {
        float[] exact = {1f, -2f, 0.5f, 65504f, -65504f, (float) Math.pow(2, -24), 0.33325195f, 1023.5f};
        Map<String, Tensor> t = new LinkedHashMap<>(prefix());
        t.put("embeddings", new Tensor(new long[] {1, 2, 4}, exact));
        Map<String, Tensor> back = PromptTensorCodec.decode(PromptTensorCodec.encode(t, PromptEncoding.F16));
        assertArrayEquals(exact, back.get("embeddings").data(), 0f);
        float[] x = t.get("keys.0").data();
        float[] got = back.get("keys.0").data();
        for (int i = 0; i < x.length; i++) {
            assertTrue(Math.abs(got[i] - x[i]) <= Math.max(Math.abs(x[i]) * 0x1p-11f, 0x1p-25f), x[i] + " -> " + got[i]);
        }
    }

    @Test
    void int8ErrorIsAtMostHalfTheRowScale() {
        Tensor x = keys(4, 16, 32, 7);
        Tensor back = PromptTensorCodec.decode(PromptTensorCodec.encode(Map.of("keys.0", x), PromptEncoding.INT8)).get("keys.0");
        assertArrayEquals(x.shape(), back.shape());
        int hd = 32;
        double worst = 0;
        for (int row = 0; row < x.data().length / hd; row++) {
            float max = 0;
            for (int j = 0; j < hd; j++) {
                max = Math.max(max, Math.abs(x.data()[row * hd + j]));
            }
            float scale = max / 127;
            float backMax = 0;
            for (int j = 0; j < hd; j++) {
                float err = Math.abs(back.data()[row * hd + j] - x.data()[row * hd + j]);
                // s/2 from rounding to the nearest step, plus float rounding of x/s and q*s (a few ulps of the row's max)
                assertTrue(err <= scale / 2 + max * 1e-6f, "row " + row + " value " + j + ": error " + err + ", scale " + scale);
                worst = Math.max(worst, scale == 0 ? 0 : err / scale);
                backMax = Math.max(backMax, Math.abs(back.data()[row * hd + j]));
            }
            assertEquals(max, backMax, max * 1e-6f, "the row's largest value is 127 steps");
        }
        assertTrue(worst > 0.4, "the bound is reached, the rounding is not finer than claimed: " + worst);
        for (int j = 0; j < hd; j++) {
            assertEquals(0f, back.data()[3 * hd + j], 0f, "an all-zero row stays zero");
        }
    }

    @Test
    void valuesAnEncodingCannotHoldAreRefused() {
        Map<String, Tensor> big = Map.of("embeddings", new Tensor(new long[] {1, 1, 2}, new float[] {1f, 70000f}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PromptTensorCodec.encode(big, PromptEncoding.F16));
        assertTrue(e.getMessage().contains("embeddings") && e.getMessage().contains("float16"), e.getMessage());
        Map<String, Tensor> nan = Map.of("embeddings", new Tensor(new long[] {1, 1, 2}, new float[] {1f, Float.NaN}));
        assertThrows(IllegalArgumentException.class, () -> PromptTensorCodec.encode(nan, PromptEncoding.F16));
        assertThrows(IllegalArgumentException.class, () -> PromptTensorCodec.encode(nan, PromptEncoding.INT8));
        assertEquals(70000f, PromptTensorCodec.decode(PromptTensorCodec.encode(big, PromptEncoding.F32)).get("embeddings").data()[1]);
        assertEquals(70000f, PromptTensorCodec.decode(PromptTensorCodec.encode(big, PromptEncoding.INT8)).get("embeddings").data()[1], 70000f / 254);
    }

    @Test
    void int8WithoutItsScalesFailsClearly(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("no-scale.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Safetensors.writeTyped(f, Map.of("keys.0", m.create(new byte[] {1, -2, 3, 4}, new Shape(1, 1, 2, 2))));
        }
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> PromptTensorCodec.decode(Files.readAllBytes(f)));
        assertTrue(e.getMessage().contains("keys.0.scale"), e.getMessage());
    }

    // ---- the reference: the earlier codec (PyTorch ops on an NDManager, Safetensors through a temporary file) ----

    private static byte[] encodedThroughTheEngine(Map<String, Tensor> tensors, PromptEncoding encoding, Path tmp)
            throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            new java.util.TreeMap<>(tensors).forEach((name, t) -> {
                NDArray x = m.create(t.data(), new Shape(t.shape()));
                switch (encoding) {
                    case F32 -> arrays.put(name, x);
                    case F16 -> arrays.put(name, x.toType(DataType.FLOAT16, false));
                    case INT8 -> {
                        int last = x.getShape().dimension() - 1;
                        NDArray scale = x.abs().max(new int[] {last}, true).div(127f);
                        arrays.put(name, x.div(scale.maximum(Float.MIN_NORMAL)).round().clip(-127, 127)
                                .toType(DataType.INT8, false));
                        arrays.put(name + PromptTensorCodec.SCALE, scale);
                    }
                }
            });
            Path f = Files.createTempFile(tmp, "section-", ".safetensors");
            Safetensors.writeTyped(f, arrays);
            return Files.readAllBytes(f);
        }
    }

    private static Map<String, float[]> decodedThroughTheEngine(byte[] section, Path tmp) throws IOException {
        Path f = Files.createTempFile(tmp, "section-", ".safetensors");
        Files.write(f, section);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> read = Safetensors.read(f, m);
            Map<String, float[]> out = new LinkedHashMap<>();
            read.forEach((name, a) -> {
                if (name.endsWith(PromptTensorCodec.SCALE)) {
                    return;
                }
                if (a.getDataType() == DataType.INT8) {
                    byte[] q = a.toByteArray();
                    float[] s = read.get(name + PromptTensorCodec.SCALE).toFloatArray();
                    int row = (int) a.getShape().get(a.getShape().dimension() - 1);
                    float[] v = new float[q.length];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = q[i] * s[i / row];
                    }
                    out.put(name, v);
                } else {
                    out.put(name, a.toFloatArray());
                }
            });
            return out;
        }
    }

    /** Rows of every kind the encodings meet: wide magnitudes, a zero row, exact INT8 ties, half ties, subnormals. */
    private static Map<String, Tensor> awkward() {
        Map<String, Tensor> t = new LinkedHashMap<>(prefix());
        // row max 127: x / s = x exactly, so the .5 values are ties (to even: 0.5 -> 0, 1.5 -> 2, -2.5 -> -2)
        float[] ties = {127f, 0.5f, 1.5f, -2.5f, 3.5f, -0.5f, 126.5f, -0f};
        // halves and the midpoints between neighbouring halves, subnormal ones among them, and the largest half
        float[] half = {0x1p-24f, 0x1.8p-24f, 0x1p-25f, 0x1.0p-14f, 0x1.ffcp-15f, 1.00048828125f, 1.000732421875f,
            2049f, 2051f, 65504f, -65504f, 65496f, 0.1f, -3.3333f, 1e-7f, -1e-6f};
        t.put("embeddings", new Tensor(new long[] {1, 1, ties.length}, ties));
        t.put("hidden", new Tensor(new long[] {1, 2, half.length / 2}, half));
        float[] random = new float[3 * 5 * 7];
        Random r = new Random(11);
        for (int i = 0; i < random.length; i++) {
            random[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
        }
        t.put("keys.1", new Tensor(new long[] {3, 5, 7}, random));
        return t;
    }

    @Test
    void bytesWrittenInMemoryAreTheBytesTheEngineAndFilePathWrote(@TempDir Path tmp) throws IOException {
        Map<String, Tensor> t = awkward();
        for (PromptEncoding encoding : PromptEncoding.values()) {
            byte[] reference = encodedThroughTheEngine(t, encoding, tmp);
            byte[] now = PromptTensorCodec.encode(t, encoding);
            assertArrayEquals(reference, now, encoding + ": the same section, byte for byte");
            Map<String, Tensor> back = PromptTensorCodec.decode(reference);
            Map<String, float[]> referenceBack = decodedThroughTheEngine(reference, tmp);
            assertEquals(referenceBack.keySet(), back.keySet(), encoding.name());
            referenceBack.forEach((name, v) -> assertArrayEquals(v, back.get(name).data(), 0f, encoding + " " + name));
        }
    }

    @Test
    void aSectionWrittenByTheEngineAndFilePathStillLoads(@TempDir Path tmp) throws IOException {
        // sections as stored artifacts hold them (written by the earlier path), decoded by today's codec
        Map<String, Tensor> t = prefix();
        Map<String, Tensor> f32 = PromptTensorCodec.decode(encodedThroughTheEngine(t, PromptEncoding.F32, tmp));
        t.forEach((n, x) -> assertArrayEquals(x.data(), f32.get(n).data(), 0f, n));
        for (PromptEncoding compact : new PromptEncoding[] {PromptEncoding.F16, PromptEncoding.INT8}) {
            byte[] old = encodedThroughTheEngine(t, compact, tmp);
            Map<String, Tensor> back = PromptTensorCodec.decode(old);
            assertEquals(t.keySet(), back.keySet(), compact.name());
            assertArrayEquals(old, PromptTensorCodec.encode(back, compact),
                    compact + ": what it holds encodes to the same bytes again");
        }
    }
}
