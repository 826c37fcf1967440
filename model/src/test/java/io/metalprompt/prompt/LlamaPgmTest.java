package io.metalprompt.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.metalprompt.eval.Evaluator;
import io.metalprompt.eval.Metrics;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.BatchScorer;
import io.metalprompt.lm.ForwardInput;
import io.metalprompt.lm.KvCache;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmFixtures;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.text.IclFormat;

/**
 * The PGM on the Llama fixture (RoPE, grouped-query attention, untied head): PREFIX scoring through the
 * conditioner equals a direct optPast run, gradients reach every trainable for every design, and the
 * conditioner runs inside {@link Evaluator}.
 */
class LlamaPgmTest {

    private static final int K = 3;

    @Test
    void prefixScoringGradientsAndEvaluator() {
        try (LanguageModel model = LanguageModel.load(LmFixtures.llama(), LmSettings.cpu());
             LmTokenizer tokenizer = LmTokenizer.load(LmFixtures.llama())) {
            List<TaskExample> ex = PgmTesting.examples(4, 2);
            TaskExample query = PgmTesting.examples(1, 77).get(0);
            for (PromptDesign design : PromptDesign.values()) {
                try (PromptGenerator g = PromptGenerator.create(model, new LoraAdapter.Config(2, 4,
                        LoraAdapter.defaultTargets(model.config())), TrainablePadding.defaultConfig(K, 64), design, 1)) {
                    PgmTesting.perturbLoraB(g.lora(), 3);
                    List<TaskExample> xl = PromptConditioner.xl(ex, 1);
                    try (GeneratedPrompt p = g.generate(PromptConditioner.xp(ex, 1), tokenizer);
                         KvCache prefix = PromptConditioner.prefix(model, tokenizer, p, xl)) {
                        long[] q = tokenizer.encode(IclFormat.queryText(query.input(), true));
                        long[] option = tokenizer.encode(IclFormat.renderAnswer(query.options().get(0)));
                        double scored = new BatchScorer(model).score(List.of(new BatchScorer.Query(prefix, q, List.of(option))))[0][0];
                        double direct = direct(model, tokenizer, p, xl, q, option);
                        assertEquals(direct, scored, 1e-4, design + ": prefix + query equals the whole sequence in one pass");
                    }

                    g.setTrainable(true);
                    Episode e = Episode.of(tokenizer, ex.subList(0, 2), ex.subList(2, 3), ex.subList(3, 4));
                    try (NDManager m = model.manager().newSubManager(); NDScope scope = new NDScope();
                         GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        PromptBatch b = g.forward(m, List.of(e.xp()), new PromptGenerator.Gumbel(0.5, new Random(2)));
                        gc.backward(PromptLoss.compute(model, m, b, List.of(e)).loss());
                    }
                    for (Map.Entry<String, NDArray> w : g.parameters().entrySet()) {
                        float[] grad = w.getValue().getGradient().toFloatArray();
                        double sq = 0;
                        for (float f : grad) {
                            assertTrue(Float.isFinite(f), design + " " + w.getKey());
                            sq += f * f;
                        }
                        if (design == PromptDesign.PREFIX && unusedByPrefix(w.getKey(), model.config().nLayer())) {
                            assertEquals(0.0, sq, design + ": " + w.getKey() + " cannot affect any key or value");
                        } else {
                            assertTrue(sq > 0, design + ": no gradient reaches " + w.getKey());
                        }
                    }
                    g.setTrainable(false);

                    Metrics.Score s = new Evaluator(model, tokenizer).evaluate(ex, PgmTesting.examples(6, 8),
                            new PromptConditioner(model, tokenizer, g, 1));
                    assertTrue(s.accuracy() >= 0 && s.accuracy() <= 1);
                }
            }
        }
    }

    /**
     * PREFIX reads only keys and values, so the last layer's query/output/MLP projections of the PGM cannot
     * change the prompt: their LoRA matrices rightly get no gradient (GPT-2's fused c_attn still does, via k, v).
     */
    private static boolean unusedByPrefix(String name, int layers) {
        String last = "lora." + (layers - 1) + ".";
        return name.startsWith(last) && !name.startsWith(last + "k_proj") && !name.startsWith(last + "v_proj");
    }

    /**
     * The option's log-likelihood with the prompt fed the plain way: PREFIX as optPast, embeddings designs as
     * input rows, DISCRETE as tokens, followed by XL, query and option in one forward pass.
     */
    private static double direct(LanguageModel model, LmTokenizer tok, GeneratedPrompt p, List<TaskExample> xl, long[] q,
                                 long[] option) {
        long[] xlIds = tok.encode(IclFormat.renderDemonstrations(xl));
        int n = xlIds.length + q.length + option.length;
        long[] lead = p.design() == PromptDesign.DISCRETE ? p.tokenIds() : new long[0];
        long[] row = new long[lead.length + n];
        System.arraycopy(lead, 0, row, 0, lead.length);
        System.arraycopy(xlIds, 0, row, lead.length, xlIds.length);
        System.arraycopy(q, 0, row, lead.length + xlIds.length, q.length);
        System.arraycopy(option, 0, row, lead.length + xlIds.length + q.length, option.length);
        try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
            ForwardInput.Builder in = ForwardInput.builder().setTokens(m.create(row, new Shape(1, row.length)), null);
            int soft = 0;
            if (p.design() == PromptDesign.PREFIX) {
                in.optPast(p.prefix());
            } else if (p.design() != PromptDesign.DISCRETE) {
                in.optEmbeddings(p.embeddings(), null);
                soft = p.k();
            }
            NDArray logp = model.forward(in.build()).logits().logSoftmax(-1);
            int first = soft + row.length - option.length;   // index of the first option token in the sequence
            double s = 0;
            for (int i = 0; i < option.length; i++) {
                s += logp.getFloat(0, first - 1 + i, option[i]);
            }
            return s;
        }
    }
}
