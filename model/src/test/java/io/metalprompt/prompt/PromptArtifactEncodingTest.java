package io.metalprompt.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.KvCache;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.lm.ModelLoadException;
import io.metalprompt.tasks.TaskExample;

/** Artifacts in every encoding: recorded, read back to the same values and bytes, served as stored; old blobs still load. */
class PromptArtifactEncodingTest {

    private static final int K = 8;
    private static final Instant NOW = Instant.parse("2026-11-26T07:00:00Z");
    private static final LanguageModel model = PgmTesting.gpt2();
    private static final LmTokenizer tokenizer = PgmTesting.gpt2Tokenizer();

    /**
     * Written by {@code new PromptArtifact(PREFIX, 2, "pgm-id-1", "v1", "ab12cd34ef", 2026-11-26T07:00:00Z, null, null,
     * {keys.0 [1,2,2,2], values.0 [1,2,2,2]}).toBytes()} at commit 3443b76, before artifacts recorded an encoding.
     */
    private static final String OLD_PREFIX = "TUxQQQEAAACAAAAAeyJkZXNpZ24iOiJQUkVGSVgiLCJrIjoyLCJwZ21JZCI6InBnbS1pZC0xIiwicGdtVmVy"
            + "c2lvbiI6InYxIiwiYmFzZUZpbmdlcnByaW50IjoiYWIxMmNkMzRlZiIsImNyZWF0ZWRBdCI6IjIwMjYtMTEtMjZUMDc6MDA6MDBaIn3wAAAAAAAA"
            + "AKgAAAAAAAAAeyJfX21ldGFkYXRhX18iOnsiZm9ybWF0IjoicHQifSwia2V5cy4wIjp7ImR0eXBlIjoiRjMyIiwic2hhcGUiOlsxLDIsMiwyXSwi"
            + "ZGF0YV9vZmZzZXRzIjpbMCwzMl19LCJ2YWx1ZXMuMCI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbMSwyLDIsMl0sImRhdGFfb2Zmc2V0cyI6WzMy"
            + "LDY0XX19ICAgzczMPQAAIMCmm0Q7AADgQAAAgL4AQBxGAAAAAAAAgL8AAIA/AAAAQAAAQEAAAIBAAACgwAAAwMAAAAA+AOB/Rw==";
    /** The same for a HIDDEN_STATE prompt: "embeddings" [1,2,3], PGM "pgm-id-2" version "v2". */
    private static final String OLD_HIDDEN = "TUxQQQEAAACGAAAAeyJkZXNpZ24iOiJISURERU5fU1RBVEUiLCJrIjoyLCJwZ21JZCI6InBnbS1pZC0yIiwi"
            + "cGdtVmVyc2lvbiI6InYyIiwiYmFzZUZpbmdlcnByaW50IjoiYWIxMmNkMzRlZiIsImNyZWF0ZWRBdCI6IjIwMjYtMTEtMjZUMDc6MDA6MDBaIn2I"
            + "AAAAAAAAAGgAAAAAAAAAeyJfX21ldGFkYXRhX18iOnsiZm9ybWF0IjoicHQifSwiZW1iZWRkaW5ncyI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpb"
            + "MSwyLDNdLCJkYXRhX29mZnNldHMiOlswLDI0XX19ICAgICAAAAA/AABAvwAAwD8AAABAAABAwG8Sgzo=";

    private static PromptGenerator pgm(PromptDesign design) {
        PromptGenerator g = PromptGenerator.create(model, new LoraAdapter.Config(4, 8, LoraAdapter.defaultTargets(model.config())),
                TrainablePadding.defaultConfig(K, model.config().dModel()), design, 3);
        PgmTesting.perturbLoraB(g.lora(), 4);
        return g;
    }

    @Test
    void artifactsBeforeTheEncodingFieldLoadAsF32AndWriteTheSameBytes() {
        byte[] old = Base64.getDecoder().decode(OLD_PREFIX);
        PromptArtifact a = PromptArtifact.fromBytes(old);
        assertEquals(PromptEncoding.F32, a.encoding());
        assertEquals(PromptDesign.PREFIX, a.design());
        assertEquals("v1", a.pgmVersion());
        assertArrayEquals(new float[] {0.1f, -2.5f, 3.0e-3f, 7f, -0.25f, 1e4f, 0f, -1f}, a.tensors().get("keys.0").data(), 0f);
        assertArrayEquals(new float[] {1f, 2f, 3f, 4f, -5f, -6f, 0.125f, 65504f}, a.tensors().get("values.0").data(), 0f);
        assertArrayEquals(old, a.toBytes(), "an F32 artifact is written as before");
        try (GeneratedPrompt p = a.toPrompt(model.manager())) {
            assertEquals(1, p.prefix().layers());
            assertEquals(2, p.prefix().length());
        }
        byte[] oldHidden = Base64.getDecoder().decode(OLD_HIDDEN);
        PromptArtifact h = PromptArtifact.fromBytes(oldHidden);
        assertEquals(PromptEncoding.F32, h.encoding());
        assertArrayEquals(new float[] {0.5f, -0.75f, 1.5f, 2f, -3f, 0.001f}, h.tensors().get("embeddings").data(), 0f);
        assertArrayEquals(oldHidden, h.toBytes());
        assertTrue(new String(oldHidden, StandardCharsets.UTF_8).indexOf("encoding") < 0);
    }

    @Test
    void everyEncodingIsRecordedReadBackExactlyAndServedAsStored() {
        List<TaskExample> xp = PgmTesting.examples(3, 1);
        for (PromptDesign design : PromptDesign.values()) {
            Map<PromptEncoding, Integer> sizes = new EnumMap<>(PromptEncoding.class);
            try (PromptGenerator g = pgm(design); GeneratedPrompt p = g.generate(xp, tokenizer)) {
                for (PromptEncoding encoding : PromptEncoding.values()) {
                    String what = design + " " + encoding;
                    PromptArtifact a = PromptArtifact.of(p, g, NOW, encoding);
                    byte[] bytes = a.toBytes();
                    sizes.put(encoding, bytes.length);
                    PromptArtifact b = PromptArtifact.fromBytes(bytes);
                    PromptEncoding stored = design == PromptDesign.DISCRETE ? PromptEncoding.F32 : encoding;
                    assertEquals(stored, a.encoding(), what);
                    assertEquals(stored, b.encoding(), what);
                    assertEquals(stored != PromptEncoding.F32, new String(bytes, StandardCharsets.ISO_8859_1)
                            .contains("\"encoding\":\"" + encoding + "\""), what);
                    assertArrayEquals(bytes, b.toBytes(), what + ": read and written again, the same bytes");
                    assertEquals(a.tensors().keySet(), b.tensors().keySet(), what);
                    a.tensors().forEach((n, t) -> assertArrayEquals(t.data(), b.tensors().get(n).data(), 0f, what + " " + n));
                    compareWithOriginal(p, b, stored, what);
                }
            }
            if (design != PromptDesign.DISCRETE) {
                assertTrue(sizes.get(PromptEncoding.F16) < 0.6 * sizes.get(PromptEncoding.F32), design + " " + sizes);
                assertTrue(sizes.get(PromptEncoding.INT8) < sizes.get(PromptEncoding.F16), design + " " + sizes);
            }
            System.out.println("prompt artifact bytes, GPT-2 fixture (d=64, 2 layers), k=" + K + ", " + design + ": " + sizes);
        }
    }

    /** The stored values: the original's for F32, within the encoding's bound and not all equal otherwise. */
    private static void compareWithOriginal(GeneratedPrompt original, PromptArtifact stored, PromptEncoding encoding, String what) {
        boolean anyDiffers = false;
        for (Map.Entry<String, ai.djl.ndarray.NDArray> e : original.tensors().entrySet()) {
            float[] want = e.getValue().toFloatArray();
            float[] got = stored.tensors().get(e.getKey()).data();
            float max = 0;
            for (float v : want) {
                max = Math.max(max, Math.abs(v));
            }
            for (int i = 0; i < want.length; i++) {
                float bound = switch (encoding) {
                    case F32 -> 0f;
                    case F16 -> Math.max(Math.abs(want[i]) * 0x1p-11f, 0x1p-25f);
                    case INT8 -> max / 127 / 2 * 1.0001f;   // half the largest row scale of the tensor
                };
                assertTrue(Math.abs(got[i] - want[i]) <= bound, what + " " + e.getKey() + "[" + i + "]: " + want[i] + " -> " + got[i]);
                anyDiffers |= got[i] != want[i];
            }
        }
        assertEquals(encoding != PromptEncoding.F32 && !original.tensors().isEmpty(), anyDiffers, what + ": values rounded");
    }

    @Test
    void theConditionerServesThePromptReadBackFromItsEncoding() {
        List<TaskExample> examples = PgmTesting.examples(4, 3);
        try (PromptGenerator g = pgm(PromptDesign.PREFIX)) {
            long[] stored = new long[2];
            for (PromptEncoding encoding : List.of(PromptEncoding.F32, PromptEncoding.INT8)) {
                PromptConditioner c = new PromptConditioner(model, tokenizer, g, 1, encoding);
                byte[] artifact;
                try (GeneratedPrompt p = g.generateIterative(PromptConditioner.xp(examples, 1), tokenizer)) {
                    artifact = PromptArtifact.of(p, g, NOW, encoding).toBytes();
                }
                try (KvCache got = c.condition(examples);
                     GeneratedPrompt back = PromptArtifact.fromBytes(artifact).toPrompt(model.manager());
                     KvCache want = PromptConditioner.prefix(model, tokenizer, back, PromptConditioner.xl(examples, 1))) {
                    for (int l = 0; l < want.layers(); l++) {
                        assertArrayEquals(want.keys().get(l).toFloatArray(), got.keys().get(l).toFloatArray(), encoding + " layer " + l);
                        assertArrayEquals(want.values().get(l).toFloatArray(), got.values().get(l).toFloatArray(), encoding + " layer " + l);
                    }
                }
                stored[encoding == PromptEncoding.F32 ? 0 : 1] = c.lastStoredBytes();
                assertTrue(c.lastStoredBytes() > artifact.length, "the artifact plus the XL demonstrations' text");
                assertEquals(encoding == PromptEncoding.INT8, c.name().endsWith("-int8"), c.name());
            }
            assertTrue(stored[1] < stored[0] / 2, "INT8 stores less: " + stored[0] + " vs " + stored[1]);
        }
    }

    @Test
    void anUnknownEncodingIsNamed() {
        try (PromptGenerator g = pgm(PromptDesign.HIDDEN_STATE); GeneratedPrompt p = g.generate(PgmTesting.examples(2, 5), tokenizer)) {
            String blob = new String(PromptArtifact.of(p, g, NOW, PromptEncoding.F16).toBytes(), StandardCharsets.ISO_8859_1);
            byte[] unknown = blob.replace("\"encoding\":\"F16\"", "\"encoding\":\"F99\"").getBytes(StandardCharsets.ISO_8859_1);
            String msg = assertThrows(ModelLoadException.class, () -> PromptArtifact.fromBytes(unknown)).getMessage();
            assertTrue(msg.contains("F99") && msg.contains("INT8"), msg);
        }
    }
}
