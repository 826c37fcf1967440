package io.metalprompt.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.BatchScorer;
import io.metalprompt.lm.ForwardInput;
import io.metalprompt.lm.ForwardOutput;
import io.metalprompt.lm.KvCache;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.text.IclFormat;
import io.metalprompt.train.AdamW;

/** The PGM's forward pass, read-outs, conditioning and gradients, on the tiny GPT-2 fixture. */
class PromptGeneratorTest {

    private static final int K = 4;
    private static final LanguageModel model = PgmTesting.gpt2();
    private static final LmTokenizer tokenizer = PgmTesting.gpt2Tokenizer();

    private static PromptGenerator pgm(PromptDesign design, long seed) {
        return pgm(design, PaddingPlacement.END, seed);
    }

    private static PromptGenerator pgm(PromptDesign design, PaddingPlacement placement, long seed) {
        PromptGenerator g = PromptGenerator.create(model, new LoraAdapter.Config(4, 8, LoraAdapter.defaultTargets(model.config())),
                TrainablePadding.defaultConfig(K, model.config().dModel()), design,
                PaddingLayout.of(placement, tokenizer), seed);
        PgmTesting.perturbLoraB(g.lora(), seed + 7);
        return g;
    }

    /** Sum of log p(option tokens) after [past ; tokens], computed directly with optPast. */
    private static double directScore(KvCache past, long[] context, long[] option) {
        try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
            long[] row = new long[context.length + option.length];
            System.arraycopy(context, 0, row, 0, context.length);
            System.arraycopy(option, 0, row, context.length, option.length);
            NDArray logp = model.forward(ForwardInput.builder().setTokens(m.create(row, new Shape(1, row.length)), null)
                    .optPast(past).build()).logits().logSoftmax(-1);                         // [1,T,V]
            double s = 0;
            for (int i = 0; i < option.length; i++) {
                s += logp.getFloat(0, context.length - 1 + i, option[i]);
            }
            return s;
        }
    }

    @Test
    void prefixPromptBehindConditionerEqualsFeedingTheSameKeysAndValues() {
        List<TaskExample> ex = PgmTesting.examples(5, 1);
        List<TaskExample> xp = PromptConditioner.xp(ex, 2);
        List<TaskExample> xl = PromptConditioner.xl(ex, 2);
        TaskExample query = PgmTesting.examples(1, 99).get(0);
        try (PromptGenerator g = pgm(PromptDesign.PREFIX, 3); GeneratedPrompt prompt = g.generate(xp, tokenizer)) {
            assertEquals(K, prompt.prefix().length());
            assertEquals(model.config().nLayer(), prompt.prefix().layers());

            // the prompt's keys are the PGM's own keys at the padding positions of [XP ; padding]
            try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
                long[] ids = PromptGenerator.xpTokens(xp, tokenizer);
                NDArray x = model.embed(m.create(ids, new Shape(1, ids.length))).concat(g.padding().forward().expandDims(0), 1);
                ForwardOutput out = model.forward(ForwardInput.builder().optEmbeddings(x, null).optAdapter(g.lora()).build());
                for (int l = 0; l < model.config().nLayer(); l++) {
                    float[] want = out.cache().keys().get(l).get(":, :, {}:, :", ids.length).toFloatArray();
                    assertTrue(PgmTesting.maxAbsDiff(want, prompt.prefix().keys().get(l).toFloatArray()) < 1e-5, "layer " + l);
                }
            }

            long[] xlIds = tokenizer.encode(IclFormat.renderDemonstrations(xl));
            long[] q = tokenizer.encode(IclFormat.queryText(query.input(), true));
            List<long[]> options = query.options().stream().map(o -> tokenizer.encode(IclFormat.renderAnswer(o))).toList();
            double[] scored;
            try (KvCache prefix = PromptConditioner.prefix(model, tokenizer, prompt, xl)) {
                assertEquals(K + xlIds.length, prefix.length());
                scored = new BatchScorer(model).score(List.of(new BatchScorer.Query(prefix, q, options)))[0];
            }
            long[] context = new long[xlIds.length + q.length];
            System.arraycopy(xlIds, 0, context, 0, xlIds.length);
            System.arraycopy(q, 0, context, xlIds.length, q.length);
            for (int o = 0; o < options.size(); o++) {
                assertEquals(directScore(prompt.prefix(), context, options.get(o)), scored[o], 1e-4, "option " + o);
            }
        }
    }

    @Test
    void interleavedPrefixIsTheKeysAndValuesOfRowsWrittenAfterEachExample() {
        List<TaskExample> first = PgmTesting.examples(3, 1);
        List<TaskExample> second = PgmTesting.examples(2, 4);   // shorter: left-padded in the batch
        try (PromptGenerator g = PromptGenerator.create(model, new LoraAdapter.Config(4, 8, LoraAdapter.defaultTargets(model.config())),
                TrainablePadding.defaultConfig(K, model.config().dModel()), PromptDesign.PREFIX,
                PaddingLayout.interleaved(PaddingLayout.terminatorId(tokenizer)), 3)) {
            PgmTesting.perturbLoraB(g.lora(), 10);
            List<GeneratedPrompt> prompts = g.generateAll(List.of(first, second), tokenizer);
            try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
                NDArray rows = g.padding().forward();                                        // [K,d]
                for (int e = 0; e < 2; e++) {
                    List<TaskExample> xp = e == 0 ? first : second;
                    // by hand: each example's tokens, then its share of the K rows (3 examples: 1, 1, 2; 2: 2, 2)
                    List<NDArray> parts = new java.util.ArrayList<>();
                    List<Integer> slots = new java.util.ArrayList<>();
                    int at = 0;
                    int row = 0;
                    for (int j = 0; j < xp.size(); j++) {
                        long[] ids = tokenizer.encode((j == 0 ? "" : IclFormat.JOINER) + IclFormat.renderExample(xp.get(j)));
                        parts.add(model.embed(m.create(ids, new Shape(1, ids.length))).squeeze(0));
                        at += ids.length;
                        for (int upto = (j + 1) * K / xp.size(); row < upto; row++) {
                            parts.add(rows.get("{}:{}", row, row + 1));
                            slots.add(at++);
                        }
                    }
                    NDArray x = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(parts), 0).expandDims(0);
                    assertEquals(PromptGenerator.xpTokens(xp, tokenizer).length + K, x.getShape().get(1),
                            "rendering the examples one by one gives the same tokens");
                    ForwardOutput out = model.forward(ForwardInput.builder().optEmbeddings(x, null).optAdapter(g.lora()).build());
                    for (int l = 0; l < model.config().nLayer(); l++) {
                        for (int r = 0; r < K; r++) {
                            float[] want = out.cache().values().get(l).get(":, :, {}, :", slots.get(r)).toFloatArray();
                            float[] got = prompts.get(e).prefix().values().get(l).get(":, :, {}, :", r).toFloatArray();
                            assertTrue(PgmTesting.maxAbsDiff(want, got) < 1e-5, "example set " + e + " layer " + l + " row " + r);
                        }
                    }
                }
            } finally {
                prompts.forEach(GeneratedPrompt::close);
            }
        }
    }

    @Test
    void weightedSumOfAOneHotDistributionEqualsTheDiscreteTokens() {
        long[] chosen = {17, 5, 250, 42};
        int v = model.config().vocabSize();
        float[] logits = new float[K * v];
        for (int i = 0; i < K; i++) {
            logits[i * v + (int) chosen[i]] = 200f;   // softmax is one-hot to float precision
        }
        List<TaskExample> xl = PgmTesting.examples(2, 5);
        try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
            PromptBatch ws = ReadOut.weightedSum(model, m.create(logits, new Shape(1, K, v)), K);
            assertArrayEquals(chosen, ws.tokenIds().toLongArray());
            try (GeneratedPrompt soft = GeneratedPrompt.of(m, PromptDesign.WEIGHTED_SUM, K, null, null,
                         Map.of("embeddings", ws.embeddings()));
                 GeneratedPrompt hard = GeneratedPrompt.of(m, PromptDesign.DISCRETE, K, chosen, tokenizer.decode(chosen),
                         Map.of());
                 KvCache a = PromptConditioner.prefix(model, tokenizer, soft, xl);
                 KvCache b = PromptConditioner.prefix(model, tokenizer, hard, xl)) {
                assertEquals(a.length(), b.length());
                for (int l = 0; l < a.layers(); l++) {
                    assertTrue(PgmTesting.maxAbsDiff(a.keys().get(l).toFloatArray(), b.keys().get(l).toFloatArray()) < 1e-5);
                    assertTrue(PgmTesting.maxAbsDiff(a.values().get(l).toFloatArray(), b.values().get(l).toFloatArray()) < 1e-5);
                }
            }
        }
    }

    /** The L2 norm of row {@code r} of {@code a}, rows of {@code d}. */
    private static double rowNorm(float[] a, int r, int d) {
        double sq = 0;
        for (int j = 0; j < d; j++) {
            sq += a[r * d + j] * a[r * d + j];
        }
        return Math.sqrt(sq);
    }

    @Test
    void hiddenStateRowsHaveTheMeanNormOfTheWordEmbeddings() {
        float[] e = model.tokenEmbeddingMatrix().toFloatArray();
        int d = (int) model.config().dModel();
        double mean = 0;
        for (int t = 0; t < e.length / d; t++) {
            mean += rowNorm(e, t, d) / (e.length / d);
        }
        for (PaddingPlacement placement : PaddingPlacement.values()) {
            try (PromptGenerator g = pgm(PromptDesign.HIDDEN_STATE, placement, 5);
                 GeneratedPrompt p = g.generate(PgmTesting.examples(3, 8), tokenizer)) {
                float[] rows = p.embeddings().toFloatArray();                                 // [1,K,d]
                for (int r = 0; r < K; r++) {
                    assertEquals(mean, rowNorm(rows, r, d), 1e-3 * mean, placement + " row " + r);
                }
            }
        }
    }

    @Test
    void generationIsOneForwardPassAndBatchingMatchesOneByOne() {
        List<List<TaskExample>> episodes = List.of(PgmTesting.examples(1, 11), PgmTesting.examples(4, 12),
                PgmTesting.examples(2, 13), List.of());
        for (PromptDesign design : PromptDesign.values()) {
          for (PaddingPlacement placement : PaddingPlacement.values()) {
            try (PromptGenerator g = pgm(design, placement, 21)) {
                long before = g.lora().applications();
                List<GeneratedPrompt> batch = g.generateAll(episodes, tokenizer);
                long perPass = (long) model.config().nLayer() * g.lora().config().targets().size();
                assertEquals(perPass, g.lora().applications() - before, design + ": one PGM forward pass for all episodes");
                for (int i = 0; i < episodes.size(); i++) {
                    try (GeneratedPrompt alone = g.generate(episodes.get(i), tokenizer)) {
                        GeneratedPrompt p = batch.get(i);
                        assertEquals(design, p.design());
                        switch (design) {
                            case DISCRETE -> {
                                assertArrayEquals(alone.tokenIds(), p.tokenIds(), "episode " + i);
                                assertNotNull(p.text());
                                assertEquals(K, tokenizer.encode(p.text()).length > 0 ? K : -1);
                            }
                            case WEIGHTED_SUM, HIDDEN_STATE -> assertTrue(PgmTesting.maxAbsDiff(
                                    alone.embeddings().toFloatArray(), p.embeddings().toFloatArray()) < 1e-4,
                                    design + " episode " + i + ": left-padded batch row equals the episode alone");
                            case PREFIX -> {
                                for (int l = 0; l < model.config().nLayer(); l++) {
                                    assertTrue(PgmTesting.maxAbsDiff(alone.prefix().values().get(l).toFloatArray(),
                                            p.prefix().values().get(l).toFloatArray()) < 1e-4, "episode " + i + " layer " + l);
                                }
                            }
                        }
                    }
                }
                batch.forEach(GeneratedPrompt::close);
            }
          }
        }
    }

    private static List<Episode> episodes(int n, long seed) {
        List<Episode> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<TaskExample> ex = PgmTesting.examples(5, seed + i);
            out.add(Episode.of(tokenizer, ex.subList(0, 1 + i % 2), ex.subList(2, 2 + i % 2), ex.subList(3, 5)));
        }
        return out;
    }

    @Test
    void gradientReachesLoraPaddingLstmAndMlpForEveryDesign() {
        for (PromptDesign design : PromptDesign.values()) {
          for (PaddingPlacement placement : PaddingPlacement.values()) {
            try (PromptGenerator g = pgm(design, placement, 31)) {
                g.setTrainable(true);
                List<Episode> eps = episodes(3, 40);
                try (NDManager m = model.manager().newSubManager(); NDScope scope = new NDScope();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    PromptBatch p = g.forward(m, eps.stream().map(Episode::xp).toList(),
                            new PromptGenerator.Gumbel(1.0, new Random(1)));
                    PromptLoss.Result r = PromptLoss.compute(model, m, p, eps);
                    assertTrue(Float.isFinite(r.loss().getFloat()));
                    gc.backward(r.loss());
                }
                for (Map.Entry<String, NDArray> e : g.parameters().entrySet()) {
                    float[] grad = e.getValue().getGradient().toFloatArray();
                    double sq = 0;
                    for (float f : grad) {
                        assertTrue(Float.isFinite(f), design + ": non-finite gradient in " + e.getKey());
                        sq += f * f;
                    }
                    assertTrue(sq > 0, design + " " + placement + ": no gradient reaches " + e.getKey());
                }
                for (NDArray w : model.parameters().values()) {
                    assertFalse(w.hasGradient(), "base weight " + w.getName() + " must not record gradients");
                }
                g.setTrainable(false);
            }
          }
        }
    }

    @Test
    void trainingChangesOnlyThePgmParameters() {
        Map<String, float[]> baseBefore = new HashMap<>();
        model.parameters().forEach((n, w) -> baseBefore.put(n, w.toFloatArray()));
        for (PromptDesign design : List.of(PromptDesign.DISCRETE, PromptDesign.PREFIX)) {
            try (PromptGenerator g = PromptGenerator.create(model, new LoraAdapter.Config(4, 8,
                    LoraAdapter.defaultTargets(model.config())), TrainablePadding.defaultConfig(K, model.config().dModel()),
                    design, 5); AdamW opt = AdamW.builder().optWeightDecay(0).build(model.manager())) {
                Map<String, float[]> pgmBefore = new HashMap<>();
                g.parameters().forEach((n, w) -> pgmBefore.put(n, w.toFloatArray()));
                g.setTrainable(true);
                for (int step = 0; step < 3; step++) {
                    List<Episode> eps = episodes(2, 100 + step);
                    try (NDManager m = model.manager().newSubManager(); NDScope scope = new NDScope();
                         GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        PromptBatch p = g.forward(m, eps.stream().map(Episode::xp).toList(),
                                new PromptGenerator.Gumbel(1.0, new Random(step)));
                        gc.backward(PromptLoss.compute(model, m, p, eps).loss());
                    }
                    opt.step(g.parameters(), 1e-2);
                }
                g.setTrainable(false);
                for (Map.Entry<String, NDArray> e : g.parameters().entrySet()) {
                    assertTrue(PgmTesting.maxAbsDiff(pgmBefore.get(e.getKey()), e.getValue().toFloatArray()) > 0,
                            design + ": " + e.getKey() + " did not change");
                }
            }
        }
        model.parameters().forEach((n, w) -> assertArrayEquals(baseBefore.get(n), w.toFloatArray(), n + " changed"));
    }

    @Test
    void trainingStepsLeaveNoArraysBehind() {
        for (PromptDesign design : List.of(PromptDesign.DISCRETE, PromptDesign.PREFIX)) {
            try (PromptGenerator g = pgm(design, 51); AdamW opt = AdamW.builder().build(model.manager())) {
                g.setTrainable(true);
                int after2 = 0;
                for (int step = 0; step < 8; step++) {
                    List<Episode> eps = episodes(2, 300 + step);
                    try (NDManager m = model.manager().newSubManager(); NDScope scope = new NDScope();
                         GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        PromptBatch p = g.forward(m, eps.stream().map(Episode::xp).toList(),
                                new PromptGenerator.Gumbel(1.0, new Random(step)));
                        gc.backward(PromptLoss.compute(model, m, p, eps).loss());
                    }
                    opt.step(g.parameters(), 1e-3);
                    if (step == 1) {
                        after2 = model.manager().getManagedArrays().size();
                    }
                }
                assertEquals(after2, model.manager().getManagedArrays().size(),
                        design + ": arrays alive after 2 and after 8 steps (memory must stay flat)");
                g.setTrainable(false);
            }
        }
    }
}
