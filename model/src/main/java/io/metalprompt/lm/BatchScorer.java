package io.metalprompt.lm;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Scores option continuations for many queries in one forward pass, each query behind its own cached
 * prefix (a prompt's keys/values, demonstrations, or both), as serving and evaluation both do.
 *
 * <p>Every (query, option) pair becomes one row {@code [query tokens | option tokens]}; rows of one query
 * share that query's prefix; prefixes of different lengths are padded on the P axis and masked, so queries
 * of different tasks run in one batch. A row's score is the sum of log p(option token) given the prefix,
 * the query and the option's earlier tokens: the same number as scoring the whole text in one pass.
 */
public final class BatchScorer {

    /** One query: its single-row prefix (null = none), its token ids, and the option continuations. */
    public record Query(KvCache prefix, long[] tokens, List<long[]> options) {
        public Query {
            if (tokens.length == 0) {
                throw new IllegalArgumentException("a query needs at least one token (its last position predicts the option)");
            }
            if (options.isEmpty() || options.stream().anyMatch(o -> o.length == 0)) {
                throw new IllegalArgumentException("every query needs options of at least one token");
            }
            if (prefix != null && prefix.batchSize() != 1) {
                throw new IllegalArgumentException("a query's prefix must be a single row, got " + prefix.batchSize());
            }
        }
    }

    private final LanguageModel model;

    public BatchScorer(LanguageModel model) {
        this.model = model;
    }

    /**
     * Per query, per option: the summed log-likelihood of the option's tokens. Queries that share a prefix (one
     * task's) are scored side by side wherever they stand in the list, so that prefix is stacked once.
     */
    public double[][] score(List<Query> queries) {
        // stable grouping by prefix identity, in order of first appearance
        Map<KvCache, List<Integer>> runs = new IdentityHashMap<>();
        List<List<Integer>> order = new ArrayList<>();
        for (int q = 0; q < queries.size(); q++) {
            runs.computeIfAbsent(queries.get(q).prefix(), k -> {
                List<Integer> run = new ArrayList<>();
                order.add(run);
                return run;
            }).add(q);
        }
        int[] at = order.stream().flatMap(List::stream).mapToInt(Integer::intValue).toArray();
        double[][] grouped = scoreInOrder(java.util.Arrays.stream(at).mapToObj(queries::get).toList());
        double[][] result = new double[queries.size()][];
        for (int i = 0; i < at.length; i++) {
            result[at[i]] = grouped[i];
        }
        return result;
    }

    private double[][] scoreInOrder(List<Query> queries) {
        List<long[]> rows = new ArrayList<>();
        for (Query query : queries) {
            for (long[] option : query.options()) {
                long[] row = new long[query.tokens().length + option.length];
                System.arraycopy(query.tokens(), 0, row, 0, query.tokens().length);
                System.arraycopy(option, 0, row, query.tokens().length, option.length);
                rows.add(row);
            }
        }
        int n = rows.size();
        int t = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        long[] targets = new long[n * t];
        float[] weights = new float[n * t];
        int row = 0;
        for (Query query : queries) {
            for (long[] option : query.options()) {
                // position p predicts token p+1: the query's last position predicts the first option token
                int at = query.tokens().length - 1;
                for (long token : option) {
                    targets[row * t + at] = token;
                    weights[row * t + at] = 1f;
                    at++;
                }
                row++;
            }
        }
        double[] sums = new double[n];
        // the scope also frees results whose first operand lives in the model's manager (weights, cached
        // prefixes): without it every call would leave its padded prefixes and embeddings behind
        try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
            TokenBatch batch = TokenBatch.of(m, rows, 0);
            KvCache past = stackPrefixes(m, queries);
            ForwardOutput out = model.forward(ForwardInput.builder().setTokens(batch).optPast(past).build());
            NDArray logp = out.logits().logSoftmax(-1);                                              // [n,t,V]
            NDArray picked = logp.gather(m.create(targets, new Shape(n, t, 1)), 2).squeeze(2);        // [n,t]
            float[] s = picked.mul(m.create(weights, new Shape(n, t))).sum(new int[] {1})
                    .toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < n; i++) {
                sums[i] = s[i];
            }
        }
        double[][] result = new double[queries.size()][];
        int k = 0;
        for (int q = 0; q < queries.size(); q++) {
            result[q] = new double[queries.get(q).options().size()];
            for (int o = 0; o < result[q].length; o++) {
                result[q][o] = sums[k++];
            }
        }
        return result;
    }

    /** Each row's query prefix, padded to the longest on the P axis (mask 0), or null when no query has one. */
    private KvCache stackPrefixes(NDManager m, List<Query> queries) {
        long longest = queries.stream().mapToLong(q -> q.prefix() == null ? 0 : q.prefix().length()).max().orElse(0);
        if (longest == 0) {
            return null;
        }
        ModelConfig c = model.config();
        int layers = c.nLayer();
        List<List<NDArray>> keys = new ArrayList<>();
        List<List<NDArray>> values = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            keys.add(new ArrayList<>());
            values.add(new ArrayList<>());
        }
        List<NDArray> masks = new ArrayList<>();
        // Pad and repeat each run of consecutive queries that share one prefix (score() puts a task's queries side by
        // side) once: per query it would be 2 x layers + 1 small ops each (~30 us apiece on CPU), which at 32
        // queries cost about as much as the forward pass itself.
        for (int q = 0; q < queries.size(); ) {
            KvCache p = queries.get(q).prefix();
            long rowsOfRun = 0;
            int end = q;
            while (end < queries.size() && queries.get(end).prefix() == p) {
                rowsOfRun += queries.get(end).options().size();
                end++;
            }
            long len = p == null ? 0 : p.length();
            long pad = longest - len;
            for (int l = 0; l < layers; l++) {
                keys.get(l).add(repeated(padded(m, p == null ? null : p.keys().get(l), pad, c), rowsOfRun));
                values.get(l).add(repeated(padded(m, p == null ? null : p.values().get(l), pad, c), rowsOfRun));
            }
            NDArray mask = p == null ? m.zeros(new Shape(1, longest), DataType.INT64)
                    : pad == 0 ? p.mask().toType(DataType.INT64, false)
                    : p.mask().toType(DataType.INT64, false).concat(m.zeros(new Shape(1, pad), DataType.INT64), 1);
            masks.add(repeated(mask, rowsOfRun));
            q = end;
        }
        List<NDArray> k = new ArrayList<>();
        List<NDArray> v = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            k.add(concatRows(keys.get(l)));
            v.add(concatRows(values.get(l)));
        }
        return new KvCache(k, v, concatRows(masks));
    }

    private static NDArray repeated(NDArray row, long times) {
        return times == 1 ? row : row.repeat(0, times);
    }

    private static NDArray concatRows(List<NDArray> parts) {
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(new ai.djl.ndarray.NDList(parts), 0);
    }

    private NDArray padded(NDManager m, NDArray kv, long pad, ModelConfig c) {
        if (kv == null) {
            return m.zeros(new Shape(1, c.nKvHead(), pad, c.headDim()), model.settings().dataType());
        }
        if (pad == 0) {
            return kv;
        }
        return kv.concat(m.zeros(new Shape(1, c.nKvHead(), pad, c.headDim()), kv.getDataType()), 2);
    }
}
