package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Compares a model folder against a {@code reference.json} written by the reference implementation
 * (see {@code shared/fixtures/lm/README.md}): tokenizer ids, full logits, greedy tokens, the prefix case
 * with the reference keys/values injected and with keys/values computed here, and input embeddings.
 * Backs the {@code lm check --model DIR --reference FILE} command.
 */
public final class ReferenceCheck {
    public static final double DEFAULT_TOLERANCE = 1e-4;

    private static final ObjectMapper JSON = new ObjectMapper();

    private ReferenceCheck() {
    }

    /**
     * One checked case.
     *
     * @param kind        encode, full, generate, prefix-injected, prefix-computed or embeds
     * @param index       position in the reference file's list for that kind
     * @param maxAbsError largest absolute difference of logits (and, for prefix-computed, keys/values); 0 for
     *                    encode/generate
     * @param idsMatch    for encode/generate: whether ids (and decoded text) match; null otherwise
     * @param detail      human-readable extra facts
     */
    public record CaseResult(String kind, int index, double maxAbsError, Boolean idsMatch, String detail) {
        public boolean passed(double tolerance) {
            return !(maxAbsError > tolerance) && (idsMatch == null || idsMatch);   // NaN fails
        }
    }

    /** All cases of one check. */
    public record Report(Path model, Path reference, List<CaseResult> cases) {
        public boolean passed(double tolerance) {
            return !cases.isEmpty() && cases.stream().allMatch(c -> c.passed(tolerance));
        }

        public boolean passed() {
            return passed(DEFAULT_TOLERANCE);
        }

        public double maxAbsError() {
            return cases.stream().mapToDouble(CaseResult::maxAbsError).max().orElse(Double.NaN);
        }

        /** A markdown table, one row per case. */
        public String toTable(double tolerance) {
            StringBuilder sb = new StringBuilder("| case | # | max abs error | ids match | ok | detail |\n"
                    + "|---|---|---|---|---|---|\n");
            for (CaseResult c : cases) {
                sb.append(String.format("| %s | %d | %.3e | %s | %s | %s |%n", c.kind(), c.index(), c.maxAbsError(),
                        c.idsMatch() == null ? "" : c.idsMatch(), c.passed(tolerance) ? "yes" : "NO", c.detail()));
            }
            return sb.toString();
        }
    }

    public static Report run(Path modelDir, Path referenceFile) {
        return run(modelDir, referenceFile, LmSettings.cpu());
    }

    public static Report run(Path modelDir, Path referenceFile, LmSettings settings) {
        JsonNode ref = readReference(referenceFile);
        List<CaseResult> cases = new ArrayList<>();
        try (LanguageModel model = LanguageModel.load(modelDir, settings);
                LmTokenizer tokenizer = LmTokenizer.load(modelDir);
                NDManager m = model.manager().newSubManager()) {
            encodeCases(ref.path("encode"), tokenizer, cases);
            fullCases(ref.path("full"), model, m, cases);
            generateCases(ref.path("generate"), model, cases);
            int i = 0;
            for (JsonNode c : ref.path("prefix")) {
                try (NDScope s = new NDScope()) {
                    prefixCases(c, i++, model, m, cases);
                }
            }
            embedsCases(ref.path("embeds"), model, m, cases);
        }
        return new Report(modelDir, referenceFile, cases);
    }

    private static JsonNode readReference(Path referenceFile) {
        try {
            if (!Files.isRegularFile(referenceFile)) {
                throw new ModelLoadException("reference file not found: " + referenceFile.toAbsolutePath());
            }
            return JSON.readTree(referenceFile.toFile());
        } catch (IOException e) {
            throw new ModelLoadException("cannot parse " + referenceFile.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** Tokenizer ids and decoding. */
    private static void encodeCases(JsonNode refs, LmTokenizer tokenizer, List<CaseResult> cases) {
        int i = 0;
        for (JsonNode c : refs) {
            long[] ids = tokenizer.encode(c.get("text").asText());
            long[] want = longs(c.get("ids"));
            String decoded = tokenizer.decode(ids);
            boolean match = Arrays.equals(ids, want) && decoded.equals(c.path("decoded").asText(decoded));
            cases.add(new CaseResult("encode", i++, 0, match, match ? "" : "got " + Arrays.toString(ids)
                    + " \"" + decoded + "\""));
        }
    }

    /** Logits of a whole sequence in one pass. */
    private static void fullCases(JsonNode refs, LanguageModel model, NDManager m, List<CaseResult> cases) {
        int i = 0;
        for (JsonNode c : refs) {
            try (NDScope s = new NDScope()) {
                NDArray ids = row(m, longs(c.get("ids")));
                NDArray logits = model.forward(ForwardInput.builder().setTokens(ids, null).build()).logits();
                cases.add(new CaseResult("full", i++, maxAbsDiff(logits, c.get("logits")), null,
                        "T=" + ids.getShape().get(1)));
            }
        }
    }

    /** Greedy continuations with the KV cache. */
    private static void generateCases(JsonNode refs, LanguageModel model, List<CaseResult> cases) {
        int i = 0;
        for (JsonNode c : refs) {
            long[] want = longs(c.get("greedy_12"));
            long[] got = Generator.builder(model).optMaxNewTokens(Math.max(1, want.length)).build()
                    .greedy(longs(c.get("ids")));
            boolean match = Arrays.equals(got, want);
            cases.add(new CaseResult("generate", i++, 0, match, match ? "" : "got " + Arrays.toString(got)));
        }
    }

    /** A query behind the reference's prefix keys/values, and behind the ones this model computes for the prefix. */
    private static void prefixCases(JsonNode c, int i, LanguageModel model, NDManager m, List<CaseResult> cases) {
        NDArray query = row(m, longs(c.get("query_ids")));
        List<NDArray> keys = new ArrayList<>();
        List<NDArray> values = new ArrayList<>();
        for (JsonNode layer : c.get("prefix_kv")) {
            Shape shape = new Shape(prepend1(longs(layer.get("shape"))));
            keys.add(m.create(floats(layer.get("key")), shape));
            values.add(m.create(floats(layer.get("value")), shape));
        }
        long p = keys.get(0).getShape().get(2);
        KvCache given = new KvCache(keys, values, m.ones(new Shape(1, p), DataType.INT64));
        NDArray injected = model.forward(ForwardInput.builder().setTokens(query, null).optPast(given)
                .build()).logits();
        cases.add(new CaseResult("prefix-injected", i, maxAbsDiff(injected, c.get("query_logits")), null,
                "P=" + p + " T=" + query.getShape().get(1)));

        KvCache computed = model.forward(ForwardInput.builder()
                .setTokens(row(m, longs(c.get("prefix_ids"))), null).build()).cache();
        double kvErr = 0;
        for (int l = 0; l < keys.size(); l++) {
            kvErr = Math.max(kvErr, maxAbsDiff(computed.keys().get(l), keys.get(l)));
            kvErr = Math.max(kvErr, maxAbsDiff(computed.values().get(l), values.get(l)));
        }
        NDArray fromComputed = model.forward(ForwardInput.builder().setTokens(query, null)
                .optPast(computed).build()).logits();
        double logitErr = maxAbsDiff(fromComputed, c.get("query_logits"));
        cases.add(new CaseResult("prefix-computed", i, Math.max(kvErr, logitErr), null,
                String.format("kv error %.3e, logits error %.3e", kvErr, logitErr)));
    }

    /** Soft-prompt rows before the query tokens. */
    private static void embedsCases(JsonNode refs, LanguageModel model, NDManager m, List<CaseResult> cases) {
        int i = 0;
        for (JsonNode c : refs) {
            try (NDScope s = new NDScope()) {
                NDArray soft = m.create(floats(c.get("soft_prompt")), new Shape(prepend1(longs(c.get("soft_shape")))));
                NDArray query = row(m, longs(c.get("query_ids")));
                NDArray logits = model.forward(ForwardInput.builder().optEmbeddings(soft, null)
                        .setTokens(query, null).build()).logits();
                cases.add(new CaseResult("embeds", i++, maxAbsDiff(logits, c.get("logits")), null,
                        "S=" + soft.getShape().get(1) + " T=" + query.getShape().get(1)));
            }
        }
    }

    private static long[] prepend1(long[] dims) {
        long[] out = new long[dims.length + 1];
        out[0] = 1;
        System.arraycopy(dims, 0, out, 1, dims.length);
        return out;
    }

    private static NDArray row(NDManager m, long[] ids) {
        return m.create(ids, new Shape(1, ids.length));
    }

    private static double maxAbsDiff(NDArray got, JsonNode want) {
        float[] g = got.toFloatArray();
        if (g.length != want.size()) {
            return Double.POSITIVE_INFINITY;
        }
        double max = 0;
        for (int i = 0; i < g.length; i++) {
            double d = Math.abs(g[i] - want.get(i).asDouble());
            if (Double.isNaN(d)) {
                return Double.NaN;
            }
            max = Math.max(max, d);
        }
        return max;
    }

    private static double maxAbsDiff(NDArray got, NDArray want) {
        if (!got.getShape().equals(want.getShape())) {
            return Double.POSITIVE_INFINITY;
        }
        return got.sub(want).abs().max().getFloat();
    }

    private static long[] longs(JsonNode n) {
        long[] out = new long[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asLong();
        }
        return out;
    }

    private static float[] floats(JsonNode n) {
        float[] out = new float[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) n.get(i).asDouble();
        }
        return out;
    }
}
