package io.metalprompt.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.tasks.TaskExample;

/**
 * Iterative meta-training: the loss of the last pass's prompt is differentiated through every earlier pass (checked
 * against central finite differences), and a PGM records how many examples its passes read.
 */
class IterativeEpisodesTest {

    private static final int K = 4;
    private static final LanguageModel model = PgmTesting.gpt2();
    private static final LmTokenizer tokenizer = PgmTesting.gpt2Tokenizer();

    private static PromptGenerator pgm(PromptDesign design) {
        PromptGenerator g = PromptGenerator.create(model, new LoraAdapter.Config(4, 8, LoraAdapter.defaultTargets(model.config())),
                TrainablePadding.defaultConfig(K, model.config().dModel()), design,
                PaddingLayout.of(PaddingPlacement.INTERLEAVED, tokenizer), 5);
        PgmTesting.perturbLoraB(g.lora(), 12);
        return g;
    }

    /** Two episodes read in three passes of two examples each. */
    private static List<Episode> episodes() {
        List<Episode> out = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            List<TaskExample> ex = PgmTesting.examples(9, 50 + i);
            out.add(Episode.iterative(tokenizer, List.of(ex.subList(0, 2), ex.subList(2, 4), ex.subList(4, 6)),
                    List.of(), ex.subList(6, 9)));
        }
        return out;
    }

    /** The loss of the last pass's prompt; {@code detachEarlier}: the earlier passes' prompt enters as a constant. */
    private static NDArray loss(PromptGenerator g, NDManager m, List<Episode> eps, boolean detachEarlier) {
        PromptBatch prompt = null;
        for (int p = 0; p < eps.get(0).earlier().size(); p++) {
            int pass = p;
            prompt = g.forward(m, eps.stream().map(e -> e.earlier().get(pass)).toList(), null, prompt);
        }
        if (detachEarlier) {
            io.metalprompt.lm.KvCache kv = prompt.prefix();
            prompt = new PromptBatch(prompt.design(), prompt.k(), null, null, new io.metalprompt.lm.KvCache(
                    kv.keys().stream().map(NDArray::stopGradient).toList(),
                    kv.values().stream().map(NDArray::stopGradient).toList(), kv.mask()));
        }
        prompt = g.forward(m, eps.stream().map(Episode::xp).toList(), null, prompt);
        return PromptLoss.compute(model, m, prompt, eps).loss();
    }

    private static double lossValue(PromptGenerator g, List<Episode> eps) {
        try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
            return loss(g, m, eps, false).getFloat();
        }
    }

    @Test
    void gradientThroughEveryPassMatchesFiniteDifferences() {
        List<Episode> eps = episodes();
        try (PromptGenerator g = pgm(PromptDesign.PREFIX)) {
            NDArray b = g.lora().parameters().entrySet().stream().filter(e -> e.getKey().endsWith(".B"))
                    .findFirst().orElseThrow().getValue();
            g.setTrainable(true);
            float[] grad;
            float[] gradDetached;
            try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager();
                 GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(loss(g, m, eps, false));
                grad = b.getGradient().toFloatArray();
            }
            try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager();
                 GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(loss(g, m, eps, true));
                gradDetached = b.getGradient().toFloatArray();
            }
            g.setTrainable(false);
            float[] values = b.toFloatArray();
            int checked = 0;
            double eps2 = 2e-2;
            Random pick = new Random(3);
            for (int n = 0; n < 6; n++) {
                int i = pick.nextInt(values.length);
                float[] plus = values.clone();
                plus[i] += (float) eps2;
                b.set(FloatBuffer.wrap(plus));
                double up = lossValue(g, eps);
                float[] minus = values.clone();
                minus[i] -= (float) eps2;
                b.set(FloatBuffer.wrap(minus));
                double down = lossValue(g, eps);
                b.set(FloatBuffer.wrap(values));
                double numeric = (up - down) / (2 * eps2);
                assertEquals(numeric, grad[i], 2e-3 + 0.05 * Math.abs(numeric), "B[" + i + "]");
                checked++;
            }
            assertEquals(6, checked);
            double differs = 0;
            for (int i = 0; i < grad.length; i++) {
                differs = Math.max(differs, Math.abs(grad[i] - gradDetached[i]));
            }
            assertTrue(differs > 1e-5, "the earlier passes contribute no gradient: " + differs);
        }
    }

    @Test
    void theLossOfEveryPassIsTheMeanOfEachPassesOwnPromptLoss() {
        List<Episode> eps = episodes();
        try (PromptGenerator g = pgm(PromptDesign.PREFIX);
             NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
            // the reference: each pass's prompt scored on its own, passes chained by hand
            List<Double> each = new ArrayList<>();
            PromptBatch prompt = null;
            for (int p = 0; p < 3; p++) {
                int pass = p;
                prompt = g.forward(m, eps.stream().map(e -> pass < 2 ? e.earlier().get(pass) : e.xp()).toList(), null,
                        prompt);
                each.add((double) PromptLoss.compute(model, m, prompt, eps).loss().getFloat());
            }
            double mean = each.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            assertEquals(mean, ChainLoss.compute(g, m, eps, null, true, 0).loss().getFloat(), 1e-5);
            assertEquals(each.get(2), ChainLoss.compute(g, m, eps, null, false, 0).loss().getFloat(), 1e-5);
            assertTrue(Math.abs(each.get(0) - each.get(2)) > 1e-4, "the passes' prompts differ: " + each);
        }
    }

    @Test
    void aCollectionBeforeTheBackwardPassLeavesThePgmGradientUnchanged() {
        List<Episode> eps = episodes();
        try (PromptGenerator g = pgm(PromptDesign.PREFIX)) {
            g.setTrainable(true);
            float[] quiet = chainGradient(g, eps, false);
            for (int run = 0; run < 3; run++) {
                float[] churned = chainGradient(g, eps, true);
                assertTrue(PgmTesting.maxAbsDiff(quiet, churned) < 1e-6, "run " + run + ": the LoRA gradient changed by "
                        + PgmTesting.maxAbsDiff(quiet, churned) + " after a collection");
            }
            g.setTrainable(false);
        }
    }

    /** Every LoRA B gradient of one step of 3-pass episodes, every pass scored ({@link ChainLoss}); then zeroed. */
    private static float[] chainGradient(PromptGenerator g, List<Episode> eps, boolean churn) {
        List<Float> out = new ArrayList<>();
        try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = ChainLoss.compute(g, m, eps, null, true, 0).loss();
            if (churn) {
                io.metalprompt.lm.GcChurn.run();
            }
            gc.backward(loss);
            g.lora().parameters().forEach((name, p) -> {
                NDArray grad = p.getGradient();
                for (float v : grad.toFloatArray()) {
                    out.add(v);
                }
                grad.subi(grad);
            });
        }
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = out.get(i);
        }
        return a;
    }

    @Test
    void examplesPerPassTravelInPgmJsonAndCutIterativeGeneration(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        try (PromptGenerator g = PromptGenerator.create(model, new LoraAdapter.Config(4, 8,
                LoraAdapter.defaultTargets(model.config())), TrainablePadding.defaultConfig(K, model.config().dModel()),
                PromptDesign.PREFIX, PaddingLayout.of(PaddingPlacement.INTERLEAVED, tokenizer).withExamplesPerPass(3), 5)) {
            g.save(dir, "t", java.util.Map.of());
        }
        try (PromptGenerator loaded = PromptGenerator.load(model, dir)) {
            assertEquals(3, loaded.layout().examplesPerPass());
            List<TaskExample> ex = PgmTesting.examples(7, 9);
            assertEquals(List.of(3, 3, 1), IterativeGeneration.chunks(ex, tokenizer, 10_000, 10_000, 3).stream()
                    .map(c -> (int) java.util.Arrays.stream(c).filter(t -> t == loaded.layout().terminator()).count())
                    .toList());
        }
    }

    @Test
    void batchedIterativeGenerationEqualsEachSetAlone() {
        // sets of 1 to 7 examples, read 3 per pass: 1, 2 and 3 passes, two sets of unequal lengths sharing each count
        List<List<TaskExample>> sets = List.of(PgmTesting.examples(7, 31), PgmTesting.examples(2, 32),
                PgmTesting.examples(5, 33), PgmTesting.examples(3, 34), PgmTesting.examples(4, 35),
                PgmTesting.examples(1, 36));
        for (PromptDesign design : PromptDesign.values()) {
            try (PromptGenerator g = PromptGenerator.create(model, new LoraAdapter.Config(4, 8,
                    LoraAdapter.defaultTargets(model.config())), TrainablePadding.defaultConfig(K, model.config().dModel()),
                    design, PaddingLayout.of(PaddingPlacement.INTERLEAVED, tokenizer).withExamplesPerPass(3), 5)) {
                PgmTesting.perturbLoraB(g.lora(), 13);
                assertEquals(List.of(3, 1, 2, 1, 2, 1), sets.stream().map(s -> g.passes(s, tokenizer)).toList());
                long before = g.lora().applications();
                List<GeneratedPrompt> batch = g.generateIterativeAll(sets, tokenizer);
                long perPass = (long) model.config().nLayer() * g.lora().config().targets().size();
                assertEquals(6 * perPass, g.lora().applications() - before,
                        design + ": 1 + 2 + 3 batched passes for the groups of 1, 2 and 3 passes, not 10 single ones");
                List<PromptGenerator.Chunked> cut = sets.stream().map(s -> g.chunked(s, tokenizer)).toList();
                assertEquals(List.of(3, 1, 2, 1, 2, 1), cut.stream().map(PromptGenerator.Chunked::passes).toList());
                List<GeneratedPrompt> fromCut = g.generateChunkedAll(cut, tokenizer);
                try {
                    for (int i = 0; i < sets.size(); i++) {
                        GeneratedPrompt a = batch.get(i);
                        GeneratedPrompt b = fromCut.get(i);
                        org.junit.jupiter.api.Assertions.assertArrayEquals(a.tokenIds(), b.tokenIds());
                        assertEquals(a.tensors().keySet(), b.tensors().keySet());
                        a.tensors().forEach((name, x) -> org.junit.jupiter.api.Assertions.assertArrayEquals(
                                x.toFloatArray(), b.tensors().get(name).toFloatArray(), 0f,
                                design + ": sets cut first give the same prompts, " + name));
                    }
                } finally {
                    fromCut.forEach(GeneratedPrompt::close);
                }
                try {
                    for (int i = 0; i < sets.size(); i++) {
                        try (GeneratedPrompt alone = g.generateIterative(sets.get(i), tokenizer)) {
                            GeneratedPrompt p = batch.get(i);
                            String what = design + " set " + i;
                            switch (design) {
                                case DISCRETE -> org.junit.jupiter.api.Assertions.assertArrayEquals(alone.tokenIds(),
                                        p.tokenIds(), what);
                                case WEIGHTED_SUM, HIDDEN_STATE -> assertTrue(PgmTesting.maxAbsDiff(
                                        alone.embeddings().toFloatArray(), p.embeddings().toFloatArray()) < 1e-4, what);
                                case PREFIX -> {
                                    for (int l = 0; l < model.config().nLayer(); l++) {
                                        assertTrue(PgmTesting.maxAbsDiff(alone.prefix().keys().get(l).toFloatArray(),
                                                p.prefix().keys().get(l).toFloatArray()) < 1e-4, what + " keys " + l);
                                        assertTrue(PgmTesting.maxAbsDiff(alone.prefix().values().get(l).toFloatArray(),
                                                p.prefix().values().get(l).toFloatArray()) < 1e-4, what + " values " + l);
                                    }
                                }
                            }
                        }
                    }
                } finally {
                    batch.forEach(GeneratedPrompt::close);
                }
            }
        }
    }
}
