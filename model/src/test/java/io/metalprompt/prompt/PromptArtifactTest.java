package io.metalprompt.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.KvCache;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.lm.ModelLoadException;
import io.metalprompt.tasks.TaskExample;

/** Round trip of every design through bytes, clear failures on damaged blobs, and the size per design. */
class PromptArtifactTest {

    private static final int K = 8;
    private static final LanguageModel model = PgmTesting.gpt2();
    private static final LmTokenizer tokenizer = PgmTesting.gpt2Tokenizer();

    private static PromptGenerator pgm(PromptDesign design) {
        PromptGenerator g = PromptGenerator.create(model, new LoraAdapter.Config(4, 8, LoraAdapter.defaultTargets(model.config())),
                TrainablePadding.defaultConfig(K, model.config().dModel()), design, 3);
        PgmTesting.perturbLoraB(g.lora(), 4);
        return g;
    }

    @Test
    void everyDesignRoundTripsAndConditionsTheSame() {
        List<TaskExample> xp = PgmTesting.examples(3, 1);
        List<TaskExample> xl = PgmTesting.examples(1, 2);
        Map<PromptDesign, Integer> sizes = new LinkedHashMap<>();
        for (PromptDesign design : PromptDesign.values()) {
            try (PromptGenerator g = pgm(design); GeneratedPrompt p = g.generate(xp, tokenizer)) {
                Instant now = Instant.parse("2026-11-26T07:00:00Z");
                PromptArtifact a = PromptArtifact.of(p, g, now);
                byte[] bytes = a.toBytes();
                sizes.put(design, bytes.length);
                PromptArtifact b = PromptArtifact.fromBytes(bytes);
                assertEquals(design, b.design());
                assertEquals(K, b.k());
                assertEquals(model.fingerprint(), b.baseFingerprint());
                assertEquals(now, b.createdAt());
                assertEquals(g.id(), b.pgmId());
                assertEquals(a.tensors().keySet(), b.tensors().keySet());
                a.tensors().forEach((n, t) -> {
                    assertArrayEquals(t.shape(), b.tensors().get(n).shape(), n);
                    assertArrayEquals(t.data(), b.tensors().get(n).data(), n);
                });
                if (design == PromptDesign.DISCRETE) {
                    assertEquals(p.text(), b.promptText());
                    assertArrayEquals(p.tokenIds(), b.tokenIds());
                    assertTrue(b.tensors().isEmpty(), "a discrete prompt is its tokens");
                }
                try (GeneratedPrompt back = b.toPrompt(model.manager());
                     KvCache want = PromptConditioner.prefix(model, tokenizer, p, xl);
                     KvCache got = PromptConditioner.prefix(model, tokenizer, back, xl)) {
                    for (int l = 0; l < want.layers(); l++) {
                        assertArrayEquals(want.keys().get(l).toFloatArray(), got.keys().get(l).toFloatArray(), design + " layer " + l);
                    }
                }
            }
        }
        System.out.println("prompt artifact bytes, GPT-2 fixture (d=64, 2 layers), k=" + K + ": " + sizes);
        long d = model.config().dModel();
        assertTrue(sizes.get(PromptDesign.DISCRETE) < 1000, "tokens only");
        assertTrue(sizes.get(PromptDesign.HIDDEN_STATE) >= K * d * 4);
        assertTrue(sizes.get(PromptDesign.PREFIX) >= 2L * model.config().nLayer() * K * d * 4);
    }

    @Test
    void aServedPrefixOwnsItsValues() {
        try (PromptGenerator g = pgm(PromptDesign.PREFIX); GeneratedPrompt p = g.generate(PgmTesting.examples(3, 1), tokenizer)) {
            GeneratedPrompt loaded = PromptArtifact.of(p, g, Instant.now()).toPrompt(model.manager());
            try (KvCache prefix = PromptConditioner.prefix(model, tokenizer, loaded, List.of())) {
                float[] keys = prefix.keys().get(0).toFloatArray();
                float[] values = prefix.values().get(1).toFloatArray();
                // the prompt's arrays wrap memory that is freed once it is closed: a prefix sharing it would follow
                loaded.prefix().keys().get(0).muli(0);
                loaded.prefix().values().get(1).muli(0);
                loaded.close();
                assertArrayEquals(keys, prefix.keys().get(0).toFloatArray());
                assertArrayEquals(values, prefix.values().get(1).toFloatArray());
            }
        }
    }

    @Test
    void damagedBlobsFailClearly() {
        byte[] good;
        try (PromptGenerator g = pgm(PromptDesign.WEIGHTED_SUM); GeneratedPrompt p = g.generate(PgmTesting.examples(2, 5), tokenizer)) {
            good = PromptArtifact.of(p, g, Instant.now()).toBytes();
        }
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertTrue(assertThrows(ModelLoadException.class, () -> PromptArtifact.fromBytes(magic)).getMessage().contains("magic"));
        byte[] version = good.clone();
        version[4] = 9;
        assertTrue(assertThrows(ModelLoadException.class, () -> PromptArtifact.fromBytes(version)).getMessage()
                .contains("version 9"));
        for (int cut : new int[] {good.length - 1, good.length - 300, 30, 11}) {
            byte[] shortBlob = Arrays.copyOf(good, cut);
            String msg = assertThrows(ModelLoadException.class, () -> PromptArtifact.fromBytes(shortBlob)).getMessage();
            assertTrue(msg.contains("truncated"), cut + ": " + msg);
        }
        byte[] longer = Arrays.copyOf(good, good.length + 3);
        assertThrows(ModelLoadException.class, () -> PromptArtifact.fromBytes(longer));
    }
}
