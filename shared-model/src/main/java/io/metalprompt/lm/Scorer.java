package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * Log-likelihood of option continuations given a context (multiple choice by likelihood).
 *
 * <p>The context runs once (batch 1); its cache is repeated for every option and all options run as one
 * right-padded batch behind it. The first option token is scored from the context's last logits.
 */
public final class Scorer {
    private final LanguageModel model;

    public Scorer(LanguageModel model) {
        this.model = model;
    }

    /**
     * @param sum    sum of log p(token) over the option's tokens
     * @param mean   {@code sum / tokens}
     * @param tokens option length in tokens
     */
    public record OptionScore(double sum, double mean, int tokens) {
    }

    /** Scores each option's ids after {@code context} (context non-empty; prepend bos if it is). */
    public List<OptionScore> score(long[] context, List<long[]> options) {
        if (context.length == 0) {
            throw new IllegalArgumentException("context must hold at least one token (prepend bos)");
        }
        for (long[] o : options) {
            if (o.length == 0) {
                throw new IllegalArgumentException("every option needs at least one token");
            }
        }
        int n = options.size();
        double[] sums = new double[n];
        try (NDManager m = model.manager().newSubManager(); NDScope scope = new NDScope()) {
            // 1. the context: [1,C] -> cache and log p(first option token)
            NDArray ctx = m.create(context, new Shape(1, context.length));
            ForwardOutput c = model.forward(ForwardInput.builder().setTokens(ctx, null).build());
            float[] firstLogp = c.logits().get(0, context.length - 1).logSoftmax(-1).toFloatArray();   // [V]
            for (int i = 0; i < n; i++) {
                sums[i] = firstLogp[(int) options.get(i)[0]];
            }
            // 2. all options behind the shared context: [n,L]; position j predicts option token j+1
            int maxLen = options.stream().mapToInt(o -> o.length).max().orElse(0);
            if (maxLen > 1) {
                TokenBatch batch = TokenBatch.of(m, options, 0);
                ForwardOutput o = model.forward(ForwardInput.builder().setTokens(batch)
                        .optPast(c.cache().repeatRows(n)).build());
                long[] targets = new long[n * maxLen];
                float[] weights = new float[n * maxLen];
                for (int i = 0; i < n; i++) {
                    long[] opt = options.get(i);
                    for (int j = 0; j + 1 < opt.length; j++) {
                        targets[i * maxLen + j] = opt[j + 1];
                        weights[i * maxLen + j] = 1f;
                    }
                }
                NDArray picked = o.logits().logSoftmax(-1)
                        .gather(m.create(targets, new Shape(n, maxLen, 1)), 2).squeeze(2);             // [n,L]
                float[] rest = picked.mul(m.create(weights, new Shape(n, maxLen))).sum(new int[] {1})
                        .toType(DataType.FLOAT32, false).toFloatArray();
                for (int i = 0; i < n; i++) {
                    sums[i] += rest[i];
                }
            }
        }
        List<OptionScore> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int len = options.get(i).length;
            out.add(new OptionScore(sums[i], sums[i] / len, len));
        }
        return out;
    }

    /** Text convenience: options are encoded on their own (include a leading space if the tokenizer needs it). */
    public List<OptionScore> score(LmTokenizer tokenizer, String context, List<String> options) {
        return score(tokenizer.encode(context), options.stream().map(tokenizer::encode).toList());
    }
}
