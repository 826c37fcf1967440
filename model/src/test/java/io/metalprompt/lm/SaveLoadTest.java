package io.metalprompt.lm;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** init -> save -> load gives the same model; fingerprints identify weights. */
class SaveLoadTest {
    @TempDir
    Path tmp;

    private static float[] logits(LanguageModel model) {
        try (NDManager m = model.manager().newSubManager()) {
            return model.forward(ForwardInput.builder()
                    .setTokens(m.create(new long[] {1, 17, 42, 99, 7, 3}, new Shape(2, 3)), null).build())
                    .logits().toFloatArray();
        }
    }

    private void roundTrip(ModelConfig config) throws Exception {
        Path dir = tmp.resolve(config.family().modelType());
        try (LanguageModel model = LanguageModel.init(config, 42, LmSettings.cpu());
                LanguageModel same = LanguageModel.init(config, 42, LmSettings.cpu());
                LanguageModel other = LanguageModel.init(config, 43, LmSettings.cpu())) {
            assertEquals(model.fingerprint(), same.fingerprint(), "init must be deterministic per seed");
            assertNotEquals(model.fingerprint(), other.fingerprint());
            assertEquals(LanguageModel.expectedShapes(config).keySet(), model.parameters().keySet());
            model.save(dir);
            assertTrue(Files.isRegularFile(dir.resolve("config.json")));
            if (config.tiedHead()) {
                try (NDManager m = NDManager.newBaseManager()) {
                    assertFalse(Safetensors.read(dir, m).containsKey("lm_head.weight"), "tied head is not saved");
                }
            }
            try (LanguageModel loaded = LanguageModel.load(dir, LmSettings.cpu())) {
                assertEquals(config, loaded.config());
                assertArrayEquals(logits(model), logits(loaded), 0f);
                assertEquals(model.fingerprint(), loaded.fingerprint());
            }
        }
    }

    @Test
    void gpt2RoundTrip() throws Exception {
        roundTrip(ModelConfig.gpt2(128, 2, 4, 32, 64));
    }

    @Test
    void llamaRoundTrip() throws Exception {
        roundTrip(ModelConfig.llama(128, 2, 4, 2, 32, 48, 64));
    }

    @Test
    void residualProjectionsAreScaledDown() {
        ModelConfig c = ModelConfig.gpt2(256, 8, 4, 64, 64);
        try (LanguageModel model = LanguageModel.init(c, 1, LmSettings.cpu())) {
            double fc = std(model.parameters().get("transformer.h.0.mlp.c_fc.weight").toFloatArray());
            double proj = std(model.parameters().get("transformer.h.0.mlp.c_proj.weight").toFloatArray());
            assertEquals(0.02, fc, 0.001);
            assertEquals(0.02 / Math.sqrt(16), proj, 0.0005);
            assertArrayEquals(new float[64], model.parameters().get("transformer.h.3.attn.c_attn.bias")
                    .get("0:64").toFloatArray());
        }
    }

    private static double std(float[] v) {
        double s = 0;
        double s2 = 0;
        for (float f : v) {
            s += f;
            s2 += (double) f * f;
        }
        double mean = s / v.length;
        return Math.sqrt(s2 / v.length - mean * mean);
    }

    /** Shipped PGMs record their base model's fingerprint: the fixtures' must not move when the code does. */
    @Test
    void fixtureFingerprintsAreStable() {
        try (LanguageModel gpt2 = LanguageModel.load(LmFixtures.gpt2(), LmSettings.cpu());
                LanguageModel llama = LanguageModel.load(LmFixtures.llama(), LmSettings.cpu())) {
            assertEquals("62977b1383da13c989b4f2c3d727589ee0f0c0bf1ad04234d0d72979ba10b72c", gpt2.fingerprint());
            assertEquals("2ce2e3cbed0ef07b73693527efc69993df5a0f9d80a3031a44fb8a5415def8b9", llama.fingerprint());
        }
    }
}
