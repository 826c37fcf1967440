package io.metalprompt.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.tasks.TaskExample;

/** Refinement lowers the loss on the user's examples, leaves the start prompt and the LM alone; iterative generation. */
class PromptTunerTest {

    private static final int K = 4;
    private static final LanguageModel model = PgmTesting.gpt2();
    private static final LmTokenizer tokenizer = PgmTesting.gpt2Tokenizer();

    private static PromptGenerator pgm(PromptDesign design) {
        return pgm(design, PaddingPlacement.END);
    }

    private static PromptGenerator pgm(PromptDesign design, PaddingPlacement placement) {
        PromptGenerator g = PromptGenerator.create(model, new LoraAdapter.Config(4, 8, LoraAdapter.defaultTargets(model.config())),
                TrainablePadding.defaultConfig(K, model.config().dModel()), design,
                PaddingLayout.of(placement, tokenizer), 9);
        PgmTesting.perturbLoraB(g.lora(), 10);
        return g;
    }

    @Test
    void refiningAGeneratedPromptLowersItsLossOnTheExamples() {
        Map<String, float[]> baseBefore = new HashMap<>();
        model.parameters().forEach((n, w) -> baseBefore.put(n, w.toFloatArray()));
        List<TaskExample> examples = PgmTesting.examples(8, 3);
        PromptTuner tuner = new PromptTuner(model, tokenizer).optSteps(15).optLr(3e-2).optQueriesPerStep(8);
        for (PromptDesign design : List.of(PromptDesign.WEIGHTED_SUM, PromptDesign.HIDDEN_STATE, PromptDesign.PREFIX)) {
            try (PromptGenerator g = pgm(design); GeneratedPrompt start = g.generate(examples.subList(0, 3), tokenizer)) {
                float[] startValues = start.tensors().values().iterator().next().toFloatArray();
                double before = tuner.loss(start, examples);
                try (GeneratedPrompt tuned = tuner.refine(start, examples)) {
                    double after = tuner.loss(tuned, examples);
                    assertTrue(after < before - 1e-3, design + ": loss " + before + " -> " + after);
                    assertEquals(15, tuner.curve().size());
                    assertEquals(start.tensors().keySet(), tuned.tensors().keySet());
                }
                assertArrayEquals(startValues, start.tensors().values().iterator().next().toFloatArray(),
                        "the start prompt is not modified");
            }
        }
        model.parameters().forEach((n, w) -> assertArrayEquals(baseBefore.get(n), w.toFloatArray(), n));
    }

    @Test
    void promptTuningFromARandomStartLowersTheLoss() {
        List<TaskExample> examples = PgmTesting.examples(8, 4);
        PromptTuner tuner = new PromptTuner(model, tokenizer).optSteps(15).optLr(3e-2).optSeed(5);
        for (PromptDesign design : List.of(PromptDesign.HIDDEN_STATE, PromptDesign.PREFIX)) {
            try (GeneratedPrompt start = tuner.randomStart(design, K);
                 GeneratedPrompt tuned = tuner.tuneFromRandom(design, K, examples)) {
                double before = tuner.loss(start, examples);
                double after = tuner.loss(tuned, examples);
                assertTrue(after < before - 1e-3, design + ": loss " + before + " -> " + after);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> tuner.randomStart(PromptDesign.DISCRETE, K));
        try (PromptGenerator g = pgm(PromptDesign.DISCRETE); GeneratedPrompt d = g.generate(examples, tokenizer)) {
            assertThrows(IllegalArgumentException.class, () -> tuner.refine(d, examples));
        }
    }

    @Test
    void iterativeGenerationFoldsMoreExamplesThanTheContextHolds() {
        List<TaskExample> many = PgmTesting.examples(60, 6);
        int tokens = PromptGenerator.xpTokens(many, tokenizer).length;
        assertTrue(tokens > 2 * model.config().maxPositions(), "the example set must exceed the context: " + tokens);
        for (PromptDesign design : PromptDesign.values()) {
          for (PaddingPlacement placement : PaddingPlacement.values()) {
            try (PromptGenerator g = pgm(design, placement)) {
                assertThrows(IllegalArgumentException.class, () -> g.generate(many, tokenizer),
                        "one pass cannot read " + tokens + " tokens");
                long before = g.lora().applications();
                try (GeneratedPrompt p = g.generateIterative(many, tokenizer)) {
                    long passes = (g.lora().applications() - before) / ((long) model.config().nLayer()
                            * g.lora().config().targets().size());
                    assertTrue(passes >= 3, design + ": " + passes + " passes");
                    assertEquals(K, p.k());
                    if (design == PromptDesign.PREFIX) {
                        assertEquals(K, p.prefix().length(), "the result is k positions however many passes");
                    }
                }
                // when everything fits, iterative generation is plain generation
                List<TaskExample> few = many.subList(0, 2);
                try (GeneratedPrompt once = g.generate(few, tokenizer); GeneratedPrompt iter = g.generateIterative(few, tokenizer)) {
                    once.tensors().forEach((n, a) -> assertArrayEquals(a.toFloatArray(), iter.tensors().get(n).toFloatArray(), 1e-5f, n));
                    if (design == PromptDesign.DISCRETE) {
                        assertArrayEquals(once.tokenIds(), iter.tokenIds());
                    }
                }
            }
          }
        }
    }
}
