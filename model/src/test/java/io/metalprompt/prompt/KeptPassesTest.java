package io.metalprompt.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.ndarray.NDArray;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.tasks.TaskExample;

/**
 * Iterative generation keeping several passes' prompts ({@link PaddingLayout#passesKept}): the kept prompt is exactly
 * the passes' own prompts side by side (each the prompt the paper's mode gives after that pass), cut to the last n
 * passes; continuing a kept prompt with more examples equals generating it from all of them; the setting travels in
 * {@code pgm.json} and names another PGM version. One PGM of each design, saved once and loaded with each setting,
 * so the weights are the same.
 */
class KeptPassesTest {

    private static final int K = 4;
    private static final LanguageModel model = PgmTesting.gpt2();
    private static final LmTokenizer tokenizer = PgmTesting.gpt2Tokenizer();

    /** A PGM of {@code design} reading 2 examples per pass, saved to {@code dir}. */
    private static Path saved(PromptDesign design, Path dir) {
        try (PromptGenerator g = PromptGenerator.create(model, new LoraAdapter.Config(4, 8,
                LoraAdapter.defaultTargets(model.config())), TrainablePadding.defaultConfig(K, model.config().dModel()),
                design, PaddingLayout.of(PaddingPlacement.INTERLEAVED, tokenizer).withExamplesPerPass(2), 5)) {
            PgmTesting.perturbLoraB(g.lora(), 17);
            g.save(dir, "kept", Map.of());
        }
        return dir;
    }

    /** Every tensor of {@code b} equals positions {@code [from, from + b.k())} of {@code kept}'s. */
    private static void assertPositions(GeneratedPrompt kept, int from, GeneratedPrompt b, String what) {
        if (b.tokenIds() != null) {
            long[] ids = java.util.Arrays.copyOfRange(kept.tokenIds(), from, from + b.k());
            org.junit.jupiter.api.Assertions.assertArrayEquals(b.tokenIds(), ids, what + ": token ids");
        }
        b.tensors().forEach((name, x) -> {
            NDArray all = kept.tensors().get(name);
            // keys/values [1,K,k,hd] hold positions on axis 2; embeddings [1,k,d] on axis 1
            String index = name.startsWith("embeddings") ? ":, " + from + ":" + (from + b.k())
                    : ":, :, " + from + ":" + (from + b.k());
            assertTrue(PgmTesting.maxAbsDiff(all.get(index).toFloatArray(), x.toFloatArray()) < 1e-5,
                    what + ": " + name + " at positions " + from + "..");
        });
    }

    @Test
    void aKeptPromptIsTheLastPassesPromptsSideBySide(@TempDir Path tmp) {
        List<TaskExample> ex = PgmTesting.examples(6, 41);   // three passes of two
        for (PromptDesign design : PromptDesign.values()) {
            Path dir = saved(design, tmp.resolve(design.name()));
            try (PromptGenerator one = PromptGenerator.load(model, dir, 1);
                 PromptGenerator two = PromptGenerator.load(model, dir, 2);
                 PromptGenerator eight = PromptGenerator.load(model, dir, 8);
                 GeneratedPrompt pass1 = one.generateIterative(ex.subList(0, 2), tokenizer);
                 GeneratedPrompt pass2 = one.generateIterative(ex.subList(0, 4), tokenizer);
                 GeneratedPrompt pass3 = one.generateIterative(ex, tokenizer);
                 GeneratedPrompt lastTwo = two.generateIterative(ex, tokenizer);
                 GeneratedPrompt all = eight.generateIterative(ex, tokenizer);
                 GeneratedPrompt single = eight.generateIterative(ex.subList(0, 2), tokenizer)) {
                assertEquals(List.of(K, 2 * K, 3 * K, K), List.of(pass3.k(), lastTwo.k(), all.k(), single.k()), design.name());
                assertPositions(all, 0, pass1, design + " kept pass 1");
                assertPositions(all, K, pass2, design + " kept pass 2");
                assertPositions(all, 2 * K, pass3, design + " kept pass 3");
                assertPositions(lastTwo, 0, pass2, design + " two kept: pass 2 first");
                assertPositions(lastTwo, K, pass3, design + " two kept: pass 3 last");
                assertPositions(single, 0, pass1, design + " one pass: the paper's prompt");
                assertEquals(List.of(K, 2 * K, 3 * K, 2 * K), List.of(eight.promptPositions(1), eight.promptPositions(2),
                        eight.promptPositions(3), two.promptPositions(9)), design.name());
            }
        }
    }

    @Test
    void continuingAKeptPromptEqualsGeneratingItFromAllTheExamples(@TempDir Path tmp) {
        List<TaskExample> ex = PgmTesting.examples(6, 43);
        for (PromptDesign design : PromptDesign.values()) {
            Path dir = saved(design, tmp.resolve(design.name()));
            try (PromptGenerator eight = PromptGenerator.load(model, dir, 8);
                 PromptGenerator two = PromptGenerator.load(model, dir, 2);
                 GeneratedPrompt first = eight.generateIterative(ex.subList(0, 4), tokenizer);
                 GeneratedPrompt continued = eight.generateIterative(first, ex.subList(4, 6), tokenizer);
                 GeneratedPrompt atOnce = eight.generateIterative(ex, tokenizer);
                 GeneratedPrompt cut = two.generateIterative(first, ex.subList(4, 6), tokenizer)) {
                assertEquals(3 * K, continued.k(), design.name());
                assertPositions(continued, 0, atOnce, design + " continued == at once");
                assertEquals(2 * K, cut.k(), design + ": a PGM keeping two passes keeps the last two");
                try (GeneratedPrompt lastTwo = two.generateIterative(ex, tokenizer)) {
                    assertPositions(cut, 0, lastTwo, design + " continued and cut == at once");
                }
            }
        }
    }

    @Test
    void aBurstOfSetsGetsTheKeptPromptsEachSetGetsAlone(@TempDir Path tmp) {
        // 1, 2 and 3 passes of two; two sets share each count, so rows of unequal lengths share every pass
        List<List<TaskExample>> sets = List.of(PgmTesting.examples(6, 51), PgmTesting.examples(3, 52),
                PgmTesting.examples(1, 53), PgmTesting.examples(5, 54), PgmTesting.examples(4, 55), PgmTesting.examples(2, 56));
        for (PromptDesign design : PromptDesign.values()) {
            Path dir = saved(design, tmp.resolve(design.name()));
            try (PromptGenerator eight = PromptGenerator.load(model, dir, 8)) {
                List<GeneratedPrompt> burst = eight.generateIterativeAll(sets, tokenizer);
                try {
                    assertEquals(List.of(3 * K, 2 * K, K, 3 * K, 2 * K, K), burst.stream().map(GeneratedPrompt::k).toList());
                    for (int i = 0; i < sets.size(); i++) {
                        try (GeneratedPrompt alone = eight.generateIterative(sets.get(i), tokenizer)) {
                            assertBatchedClose(burst.get(i), alone, design + " set " + i);
                        }
                    }
                } finally {
                    burst.forEach(GeneratedPrompt::close);
                }
            }
        }
    }

    /** Batched rows are left-padded and masked: equal to the lone row up to float rounding. */
    private static void assertBatchedClose(GeneratedPrompt batched, GeneratedPrompt alone, String what) {
        assertEquals(alone.k(), batched.k(), what);
        if (alone.tokenIds() != null && alone.design() == PromptDesign.DISCRETE) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(alone.tokenIds(), batched.tokenIds(), what);
        }
        alone.tensors().forEach((name, x) -> assertTrue(PgmTesting.maxAbsDiff(x.toFloatArray(),
                batched.tensors().get(name).toFloatArray()) < 1e-4, what + ": " + name));
    }

    @Test
    void aPreviousPromptMustBeWholePassesOfThisDesign(@TempDir Path tmp) {
        Path dir = saved(PromptDesign.PREFIX, tmp.resolve("p"));
        Path other = saved(PromptDesign.HIDDEN_STATE, tmp.resolve("h"));
        List<TaskExample> ex = PgmTesting.examples(4, 47);
        try (PromptGenerator prefix = PromptGenerator.load(model, dir, 4);
             PromptGenerator hidden = PromptGenerator.load(model, other, 4);
             GeneratedPrompt h = hidden.generateIterative(ex, tokenizer)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> prefix.generateIterative(h, ex, tokenizer));
            assertTrue(e.getMessage().contains("HIDDEN_STATE prompt of k=8"), e.getMessage());
        }
    }

    @Test
    void theShippedPgmsNameTheVersionTheirWeightsAndSettingGive() throws Exception {
        Path shipped = io.metalprompt.testing.ProjectPaths.root().resolve("models/pgm");
        List<Path> folders = PromptGenerator.folders(shipped);
        assertTrue(!folders.isEmpty(), "no PGM under " + shipped);
        for (Path dir : folders) {
            com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(dir.resolve(PromptGenerator.CONFIG_FILE).toFile());
            int kept = json.path("padding").path("passes_kept").asInt(1);
            assertEquals(PgmFiles.version(java.nio.file.Files.readAllBytes(dir.resolve(PromptGenerator.ADAPTER_FILE)),
                    kept), json.path("version").asText(), dir + ": an edit of pgm.json's passes_kept names a new version");
        }
    }

    @Test
    void passesKeptTravelsInPgmJsonAndNamesAnotherVersion(@TempDir Path tmp) throws Exception {
        Path dir = saved(PromptDesign.PREFIX, tmp.resolve("one"));
        String json = java.nio.file.Files.readString(dir.resolve(PromptGenerator.CONFIG_FILE));
        assertTrue(!json.contains("passes_kept"), "the paper's mode is not written: files from before read the same");
        byte[] adapter = java.nio.file.Files.readAllBytes(dir.resolve(PromptGenerator.ADAPTER_FILE));
        try (PromptGenerator one = PromptGenerator.load(model, dir);
             PromptGenerator eight = PromptGenerator.load(model, dir, 8)) {
            assertEquals(1, one.layout().passesKept());
            assertEquals(PgmFiles.sha256(adapter).substring(0, 16), one.version(), "as before: the adapter's hash");
            assertEquals(8, eight.layout().passesKept());
            assertEquals(PgmFiles.version(adapter, 8), eight.version());
            assertTrue(!eight.version().equals(one.version()), "same weights, other prompts: another version");
            String version = eight.save(tmp.resolve("eight"), "kept", Map.of());
            assertEquals(PgmFiles.version(adapter, 8), version);
            assertTrue(java.nio.file.Files.readString(tmp.resolve("eight").resolve(PromptGenerator.CONFIG_FILE))
                    .contains("\"passes_kept\" : 8"));
            try (PromptGenerator back = PromptGenerator.load(model, tmp.resolve("eight"))) {
                assertEquals(eight.layout(), back.layout());
                assertEquals(version, back.version());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> PaddingLayout.end().withPassesKept(0));
    }
}
