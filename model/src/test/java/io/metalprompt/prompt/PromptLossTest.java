package io.metalprompt.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.ForwardInput;
import io.metalprompt.lm.KvCache;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.tasks.TaskExample;

/** The meta-training loss's distillation term: KL from the LM reading XP as demonstrations to the prompted LM. */
class PromptLossTest {

    private static final LanguageModel model = PgmTesting.gpt2();
    private static final LmTokenizer tokenizer = PgmTesting.gpt2Tokenizer();

    private static Episode episode(long seed) {
        List<TaskExample> ex = PgmTesting.examples(7, seed);
        return Episode.of(tokenizer, ex.subList(0, 3), ex.subList(3, 4), ex.subList(4, 7));
    }

    /**
     * A PREFIX prompt that IS the XP demonstrations (their own keys and values, k = their length) puts the prompted
     * LM exactly where the teacher is, so the KL term vanishes: the teacher reads the same positions and tokens.
     */
    @Test
    void theTermIsZeroWhenThePromptIsTheDemonstrationsThemselves() {
        Episode e = episode(3);
        try (NDManager m = model.manager().newSubManager(); NDScope scope = new NDScope()) {
            KvCache own = model.forward(ForwardInput.builder()
                    .setTokens(m.create(e.xp(), new Shape(1, e.xp().length)), null).build()).cache();
            PromptBatch prompt = new PromptBatch(PromptDesign.PREFIX, e.xp().length, null, null, own);
            double plain = PromptLoss.compute(model, m, prompt, List.of(e), 0).loss().getFloat();
            double distilled = PromptLoss.compute(model, m, prompt, List.of(e), 1.0).loss().getFloat();
            assertEquals(plain, distilled, 1e-5, "KL of the teacher against itself");
        }
    }

    /** Any other prompt is penalised (KL > 0), in proportion to the weight. */
    @Test
    void theTermIsPositiveAndScalesWithItsWeightForAGeneratedPrompt() {
        List<Episode> eps = List.of(episode(5), episode(6));
        try (PromptGenerator g = PromptGenerator.create(model,
                new LoraAdapter.Config(4, 8, LoraAdapter.defaultTargets(model.config())),
                TrainablePadding.defaultConfig(4, model.config().dModel()), PromptDesign.HIDDEN_STATE, 9);
             NDManager m = model.manager().newSubManager(); NDScope scope = new NDScope()) {
            PromptBatch p = g.forward(m, eps.stream().map(Episode::xp).toList(), new PromptGenerator.Gumbel(1.0, new Random(1)));
            double plain = PromptLoss.compute(model, m, p, eps, 0).loss().getFloat();
            double one = PromptLoss.compute(model, m, p, eps, 1.0).loss().getFloat();
            double two = PromptLoss.compute(model, m, p, eps, 2.0).loss().getFloat();
            assertTrue(one - plain > 1e-4, "KL " + (one - plain));
            assertEquals(2 * (one - plain), two - plain, 1e-4);
        }
    }
}
