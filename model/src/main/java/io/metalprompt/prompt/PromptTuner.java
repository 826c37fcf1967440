package io.metalprompt.prompt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.ForwardInput;
import io.metalprompt.lm.KvCache;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.train.AdamW;

/**
 * Gradient-based prompt refinement on a user's own examples: the prompt's continuous tensors (input embeddings,
 * or per-layer keys/values for PREFIX) are optimised directly with AdamW for N steps, the target LM frozen,
 * the loss its cross-entropy on the examples' answers behind the prompt ({@link PromptLoss}, no XL).
 * {@link #refine} starts from a generated prompt; {@link #tuneFromRandom} is the prompt-tuning baseline
 * (Lester et al. 2021) from k random vocabulary rows. DISCRETE prompts are tokens and cannot be refined so.
 */
public final class PromptTuner {

    private final LanguageModel target;
    private final LmTokenizer tokenizer;
    private int steps = 20;
    private double lr = 1e-2;
    private int queriesPerStep = 8;
    private long seed = 0;
    private final List<Double> curve = new ArrayList<>();

    public PromptTuner(LanguageModel target, LmTokenizer tokenizer) {
        this.target = target;
        this.tokenizer = tokenizer;
    }

    public PromptTuner optSteps(int steps) {
        this.steps = steps;
        return this;
    }

    public PromptTuner optLr(double lr) {
        this.lr = lr;
        return this;
    }

    /** Examples scored per step (drawn without replacement when there are enough). */
    public PromptTuner optQueriesPerStep(int n) {
        this.queriesPerStep = n;
        return this;
    }

    public PromptTuner optSeed(long seed) {
        this.seed = seed;
        return this;
    }

    /** The loss of every step of the last run. */
    public List<Double> curve() {
        return List.copyOf(curve);
    }

    /** A new prompt: {@code start}'s tensors after {@code steps} updates on {@code examples}. {@code start} is not changed. */
    public GeneratedPrompt refine(GeneratedPrompt start, List<TaskExample> examples) {
        if (start.design() == PromptDesign.DISCRETE) {
            throw new IllegalArgumentException("a DISCRETE prompt is vocabulary tokens and has no continuous tensors to "
                    + "refine; refine a WEIGHTED_SUM, HIDDEN_STATE or PREFIX prompt");
        }
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("prompt refinement needs at least one example");
        }
        curve.clear();
        Random rnd = new Random(seed);
        // PyTorch's grad mode is per thread and on in a new one, where the optimizer's in-place update of the leaves
        // would be refused; outside the gradient collector it must be off, as on the thread that started the engine
        boolean gradMode = ai.djl.pytorch.jni.JniUtils.isGradMode();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        try (NDManager m = target.manager().newSubManager()) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            start.tensors().forEach((name, a) -> {
                NDArray c = m.create(a.toFloatArray(), a.getShape());
                c.setRequiresGradient(true);
                params.put(name, c);
            });
            try (AdamW opt = AdamW.builder().optWeightDecay(0).optClipNorm(1.0).build(m)) {
                for (int s = 0; s < steps; s++) {
                    List<TaskExample> batch = sample(examples, rnd);
                    Episode episode = Episode.of(tokenizer, List.of(), List.of(), batch);
                    try (NDManager sm = m.newSubManager(); NDScope scope = new NDScope();
                         GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        PromptLoss.Result r = PromptLoss.compute(target, sm, batchOf(sm, start.design(), start.k(), params),
                                List.of(episode));
                        gc.backward(r.loss());
                        curve.add((double) r.loss().getFloat());
                    }
                    opt.step(params, lr);
                }
            }
            params.values().forEach(a -> a.setRequiresGradient(false));
            return GeneratedPrompt.of(target.manager(), start.design(), start.k(), null, null, params);
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(gradMode);
        }
    }

    /** Prompt tuning from a random start: {@link #randomStart}, then {@link #refine}. */
    public GeneratedPrompt tuneFromRandom(PromptDesign design, int k, List<TaskExample> examples) {
        try (GeneratedPrompt start = randomStart(design, k)) {
            return refine(start, examples);
        }
    }

    /**
     * The prompt-tuning initialisation: the word embeddings of k random vocabulary tokens as input rows
     * (WEIGHTED_SUM, HIDDEN_STATE), or the target's keys/values over those tokens (PREFIX).
     */
    public GeneratedPrompt randomStart(PromptDesign design, int k) {
        if (design == PromptDesign.DISCRETE) {
            throw new IllegalArgumentException("prompt tuning optimises continuous prompts; DISCRETE is not one");
        }
        Random rnd = new Random(seed);
        long[] ids = new long[k];
        for (int i = 0; i < k; i++) {
            ids[i] = rnd.nextInt(target.config().vocabSize());
        }
        try (NDScope scope = new NDScope(); NDManager m = target.manager().newSubManager()) {
            NDArray tokens = m.create(ids, new Shape(1, k));
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            if (design == PromptDesign.PREFIX) {
                KvCache c = target.forward(ForwardInput.builder().setTokens(tokens, null).build()).cache();
                for (int l = 0; l < c.layers(); l++) {
                    tensors.put("keys." + l, c.keys().get(l));
                    tensors.put("values." + l, c.values().get(l));
                }
            } else {
                tensors.put("embeddings", target.embed(tokens));                              // [1,k,d]
            }
            return GeneratedPrompt.of(target.manager(), design, k, null, null, tensors);
        }
    }

    /** Mean answer-token cross-entropy of {@code examples} behind {@code prompt} (no gradient). */
    public double loss(GeneratedPrompt prompt, List<TaskExample> examples) {
        Episode episode = Episode.of(tokenizer, List.of(), List.of(), examples);
        try (NDScope scope = new NDScope(); NDManager m = target.manager().newSubManager()) {
            return PromptLoss.compute(target, m, batchOf(m, prompt.design(), prompt.k(), prompt.tensors()),
                    List.of(episode)).loss().getFloat();
        }
    }

    private static PromptBatch batchOf(NDManager m, PromptDesign design, int k, Map<String, NDArray> t) {
        if (design == PromptDesign.PREFIX) {
            List<NDArray> keys = new ArrayList<>();
            List<NDArray> values = new ArrayList<>();
            for (int l = 0; t.containsKey("keys." + l); l++) {
                keys.add(t.get("keys." + l));
                values.add(t.get("values." + l));
            }
            return new PromptBatch(design, k, null, null, new KvCache(keys, values, m.ones(new Shape(1, k), DataType.INT64)));
        }
        return new PromptBatch(design, k, null, t.get("embeddings"), null);
    }

    private List<TaskExample> sample(List<TaskExample> examples, Random rnd) {
        List<TaskExample> pool = new ArrayList<>(examples);
        java.util.Collections.shuffle(pool, rnd);
        return pool.subList(0, Math.min(queriesPerStep, pool.size()));
    }
}
