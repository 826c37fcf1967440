package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading every supported dtype, sharded checkpoints, and a clear error for every malformed input. */
class SafetensorsTest {
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

    /** Writes a one-tensor safetensors file by hand: header + raw bytes. */
    static Path handWritten(Path file, String name, String dtype, long[] shape, byte[] data) throws IOException {
        String header = "{\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + Arrays.toString(shape)
                + ",\"data_offsets\":[0," + data.length + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Files.write(file, b.array());
        return file;
    }

    private static byte[] shorts(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }

    @Test
    void readsBf16() throws IOException {
        // bf16 is the top half of the float32 bits: 1.0 = 0x3F80, -2.5 = 0xC020, 0.15625 = 0x3E20
        float[] want = {1.0f, -2.5f, 0.15625f, 3.0e38f};
        int[] bits = new int[want.length];
        for (int i = 0; i < want.length; i++) {
            bits[i] = Float.floatToIntBits(want[i]) >>> 16;
        }
        Path f = handWritten(tmp.resolve("bf16.safetensors"), "w", "BF16", new long[] {2, 2}, shorts(bits));
        NDArray a = Safetensors.read(f, manager).get("w");
        assertEquals(new Shape(2, 2), a.getShape());
        assertEquals(DataType.FLOAT32, a.getDataType());
        float[] got = a.toFloatArray();
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.intBitsToFloat(bits[i] << 16), got[i], 0f);
        }
        assertEquals(1.0f, got[0], 0f);
        assertEquals(-2.5f, got[1], 0f);
    }

    @Test
    void readsF16IncludingSubnormalsAndInfinity() throws IOException {
        // 1.0 = 0x3C00, -2 = 0xC000, 65504 = 0x7BFF, smallest subnormal 2^-24 = 0x0001, +inf = 0x7C00, 0.333 ~ 0x3555
        Path f = handWritten(tmp.resolve("f16.safetensors"), "h", "F16", new long[] {6},
                shorts(0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00, 0x3555));
        float[] got = Safetensors.read(f, manager).get("h").toFloatArray();
        assertArrayEquals(new float[] {1f, -2f, 65504f, (float) Math.pow(2, -24), Float.POSITIVE_INFINITY,
            0.33325195f}, got, 0f);
    }

    @Test
    void readsI64() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).putLong(7).putLong(1L << 40);
        Path f = handWritten(tmp.resolve("i64.safetensors"), "ids", "I64", new long[] {3}, b.array());
        NDArray a = Safetensors.read(f, manager).get("ids");
        assertEquals(DataType.INT64, a.getDataType());
        assertArrayEquals(new long[] {-1, 7, 1L << 40}, a.toLongArray());
    }

    @Test
    void writeThenReadIsExact() {
        Map<String, NDArray> t = new LinkedHashMap<>();
        t.put("a.weight", manager.randomNormal(new Shape(3, 5)));
        t.put("b.bias", manager.create(new float[] {1, 2, 3}));
        Path f = tmp.resolve("rt.safetensors");
        Safetensors.write(f, t);
        Map<String, NDArray> back = Safetensors.read(f, manager);
        assertEquals(t.keySet(), back.keySet());
        for (String k : t.keySet()) {
            assertEquals(t.get(k).getShape(), back.get(k).getShape());
            assertArrayEquals(t.get(k).toFloatArray(), back.get(k).toFloatArray(), 0f);
        }
    }

    @Test
    void unknownDtypeIsNamed() throws IOException {
        Path f = handWritten(tmp.resolve("f8.safetensors"), "x", "F8_E4M3", new long[] {2}, new byte[2]);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Safetensors.read(f, manager));
        assertTrue(e.getMessage().contains("F8_E4M3") && e.getMessage().contains("x"), e.getMessage());
    }

    @Test
    void unwantedTensorsAreNotDecoded() throws IOException {
        // a BOOL mask buffer (as old GPT-2 files carry) next to a real weight: only the weight is decoded
        String header = "{\"h.0.attn.bias\":{\"dtype\":\"BOOL\",\"shape\":[2,2],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(new byte[] {1, 0, 1, 1}).putFloat(2.5f);
        Path f = tmp.resolve("mixed.safetensors");
        Files.write(f, b.array());
        Map<String, NDArray> got = Safetensors.read(f, manager, name -> !name.endsWith("attn.bias"));
        assertEquals(Set.of("w"), got.keySet());
        assertEquals(2.5f, got.get("w").getFloat(0), 0f);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Safetensors.read(f, manager));
        assertTrue(e.getMessage().contains("BOOL") && e.getMessage().contains("h.0.attn.bias"), e.getMessage());
    }

    @Test
    void truncatedFileIsReportedNotCrashed() throws IOException {
        Path full = LmFixtures.gpt2().resolve("model.safetensors");
        byte[] all = Files.readAllBytes(full);
        Path cut = tmp.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(all, all.length - 1000));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Safetensors.read(cut, manager));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains(cut.toString()), e.getMessage());

        Path tiny = tmp.resolve("tiny.safetensors");
        Files.write(tiny, Arrays.copyOf(all, 100));
        ModelLoadException e2 = assertThrows(ModelLoadException.class, () -> Safetensors.read(tiny, manager));
        assertTrue(e2.getMessage().contains("truncated"), e2.getMessage());
    }

    @Test
    void missingFileIsNamed() {
        Path nowhere = tmp.resolve("nope.safetensors");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Safetensors.read(nowhere, manager));
        assertTrue(e.getMessage().contains(nowhere.toString()), e.getMessage());
        ModelLoadException e2 = assertThrows(ModelLoadException.class,
                () -> LanguageModel.load(tmp.resolve("no-model"), LmSettings.cpu()));
        assertTrue(e2.getMessage().contains("no-model"), e2.getMessage());
    }

    /** A copy of a fixture folder whose weights are rewritten by {@code edit}. */
    private Path editedCopy(Path src, String name, java.util.function.Consumer<Map<String, NDArray>> edit)
            throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        Map<String, NDArray> w = new LinkedHashMap<>(Safetensors.read(src, manager));
        edit.accept(w);
        Safetensors.write(dir.resolve("model.safetensors"), w);
        return dir;
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path dir = editedCopy(LmFixtures.llama(), "missing", w -> w.remove("model.layers.1.mlp.up_proj.weight"));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> LanguageModel.load(dir, LmSettings.cpu()));
        assertTrue(e.getMessage().contains("model.layers.1.mlp.up_proj.weight"), e.getMessage());
    }

    @Test
    void shapeMismatchNamesTensorAndShapes() throws IOException {
        Path dir = editedCopy(LmFixtures.gpt2(), "shape",
                w -> w.put("transformer.h.0.attn.c_attn.weight", manager.zeros(new Shape(192, 64))));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> LanguageModel.load(dir, LmSettings.cpu()));
        assertTrue(e.getMessage().contains("transformer.h.0.attn.c_attn.weight") && e.getMessage().contains("(192, 64)")
                && e.getMessage().contains("(64, 192)"), e.getMessage());
    }

    @Test
    void unsupportedModelTypeNamesTypeAndSupportedOnes() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("mistral"));
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"mistral\", \"hidden_size\": 8}");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> LanguageModel.load(dir, LmSettings.cpu()));
        assertTrue(e.getMessage().contains("mistral") && e.getMessage().contains("gpt2")
                && e.getMessage().contains("llama"), e.getMessage());
    }

    private static float[] logits(LanguageModel model) {
        try (NDManager m = model.manager().newSubManager()) {
            return model.forward(ForwardInput.builder()
                    .setTokens(m.create(new long[] {3, 50, 60, 70, 80}, new Shape(1, 5)), null).build())
                    .logits().toFloatArray();
        }
    }

    @Test
    void shardedIndexAndUnprefixedGpt2NamesLoadTheSameModel() throws IOException {
        Path src = LmFixtures.gpt2();
        Map<String, NDArray> w = Safetensors.read(src, manager);
        // shards without the "transformer." prefix (as GPT2Model saves them)
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        Map<String, NDArray> a = new LinkedHashMap<>();
        Map<String, NDArray> b = new LinkedHashMap<>();
        StringBuilder index = new StringBuilder("{\"metadata\":{},\"weight_map\":{");
        int i = 0;
        for (Map.Entry<String, NDArray> e : w.entrySet()) {
            String name = e.getKey().substring("transformer.".length());
            String shard = i % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
            (i % 2 == 0 ? a : b).put(name, e.getValue());
            index.append(i == 0 ? "" : ",").append('"').append(name).append("\":\"").append(shard).append('"');
            i++;
        }
        index.append("}}");
        Safetensors.write(dir.resolve("model-00001-of-00002.safetensors"), a);
        Safetensors.write(dir.resolve("model-00002-of-00002.safetensors"), b);
        Files.writeString(dir.resolve("model.safetensors.index.json"), index);
        try (LanguageModel ref = LanguageModel.load(src, LmSettings.cpu());
                LanguageModel sharded = LanguageModel.load(dir, LmSettings.cpu())) {
            assertArrayEquals(logits(ref), logits(sharded), 0f);
            assertEquals(ref.fingerprint(), sharded.fingerprint());
        }
    }

    @Test
    void halfPrecisionOnCpuIsRejectedWithAReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LmSettings("cpu", "bf16"));
        assertTrue(e.getMessage().contains("bf16") && e.getMessage().contains("gpu"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LmSettings("cpu", "fp16"));
        assertThrows(IllegalArgumentException.class, () -> new LmSettings("tpu", "fp32"));
        assertEquals(DataType.BFLOAT16, new LmSettings("gpu", "bf16").dataType());
    }
}
