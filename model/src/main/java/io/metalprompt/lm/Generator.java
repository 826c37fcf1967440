package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Greedy decoding with a KV cache: the prompts run once (prefill), then one token per step behind the
 * cache. Each step runs in its own {@link NDScope}; only the new cache survives it, so memory stays flat.
 *
 * <pre>{@code
 * List<long[]> out = Generator.builder(model).optMaxNewTokens(12).build().greedy(prompts);
 * }</pre>
 */
public final class Generator {
    private final LanguageModel model;
    private final int maxNewTokens;
    private final long eosId;
    private final ProjectionAdapter adapter;

    private Generator(Builder b) {
        this.model = b.model;
        this.maxNewTokens = b.maxNewTokens;
        this.eosId = b.eosId;
        this.adapter = b.adapter;
    }

    public static Builder builder(LanguageModel model) {
        return new Builder(model);
    }

    /** Greedy continuation of one prompt (eos included if it was produced). */
    public long[] greedy(long[] prompt) {
        return greedy(List.of(prompt)).get(0);
    }

    /** Greedy continuations of several prompts as one batch; a row stops at eos, all stop at max tokens. */
    public List<long[]> greedy(List<long[]> prompts) {
        int b = prompts.size();
        long[][] out = new long[b][maxNewTokens];
        int[] produced = new int[b];
        boolean[] done = new boolean[b];
        KvCache cache = null;
        try (NDManager m = model.manager().newSubManager()) {
            long[] next = new long[b];
            for (int step = 0; step < maxNewTokens; step++) {
                try (NDScope scope = new NDScope()) {
                    ForwardInput.Builder in = ForwardInput.builder().optAdapter(adapter);
                    int[] last = new int[b];
                    if (cache == null) {
                        TokenBatch batch = TokenBatch.of(m, prompts, 0);
                        in.setTokens(batch);
                        for (int i = 0; i < b; i++) {
                            last[i] = batch.lengths()[i] - 1;
                        }
                    } else {
                        in.setTokens(m.create(next, new Shape(b, 1)), null).optPast(cache);
                    }
                    ForwardOutput o = model.forward(in.build());
                    long t = o.logits().getShape().get(1);
                    long[] best = o.logits().argMax(-1).toLongArray();                                    // [B,T]
                    for (int i = 0; i < b; i++) {
                        next[i] = best[(int) (i * t + last[i])];
                    }
                    KvCache fresh = o.cache();
                    NDScope.unregister(fresh.toNDList());
                    if (cache != null) {
                        cache.close();
                    }
                    cache = fresh;
                }
                boolean all = true;
                for (int i = 0; i < b; i++) {
                    if (!done[i]) {
                        out[i][produced[i]++] = next[i];
                        done[i] = next[i] == eosId;
                    }
                    all &= done[i];
                }
                if (all) {
                    break;
                }
            }
        } finally {
            if (cache != null) {
                cache.close();
            }
        }
        List<long[]> result = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            result.add(Arrays.copyOf(out[i], produced[i]));
        }
        return result;
    }

    /** Options: max new tokens (default 32), eos id (default the config's; -1 never stops), adapter. */
    public static final class Builder {
        private final LanguageModel model;
        private int maxNewTokens = 32;
        private long eosId;
        private ProjectionAdapter adapter;

        private Builder(LanguageModel model) {
            this.model = model;
            this.eosId = model.config().eosId();
        }

        public Builder optMaxNewTokens(int maxNewTokens) {
            if (maxNewTokens < 1) {
                throw new IllegalArgumentException("maxNewTokens must be >= 1");
            }
            this.maxNewTokens = maxNewTokens;
            return this;
        }

        public Builder optEosId(long eosId) {
            this.eosId = eosId;
            return this;
        }

        public Builder optAdapter(ProjectionAdapter adapter) {
            this.adapter = adapter;
            return this;
        }

        public Generator build() {
            return new Generator(this);
        }
    }
}
