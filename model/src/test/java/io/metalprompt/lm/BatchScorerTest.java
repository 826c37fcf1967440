package io.metalprompt.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A row's score is the sum of per-token log-probs read off one plain forward pass of the whole text; scoring behind a
 * cached prefix, in mixed batches, gives the same numbers.
 */
class BatchScorerTest {

    static List<Path> models() {
        return List.of(LmFixtures.gpt2(), LmFixtures.llama());
    }

    private static final long[] PREFIX_A = {5, 17, 42, 99, 7, 3, 64, 11};
    private static final long[] PREFIX_B = {20, 30, 40};
    private static final long[] QUERY_1 = {8, 9, 10};
    private static final long[] QUERY_2 = {50};
    private static final List<long[]> OPTIONS = List.of(new long[] {12}, new long[] {13, 14, 15}, new long[] {16, 17});

    private static KvCache prefix(LanguageModel model, long[] ids) {
        try (NDManager m = model.manager().newSubManager()) {
            KvCache cache = model.forward(ForwardInput.builder()
                    .setTokens(m.create(ids, new Shape(1, ids.length)), null).build()).cache();
            cache.toNDList().attach(model.manager());
            return cache;
        }
    }

    private static double[] fullContext(LanguageModel model, long[] prefix, long[] query) {
        long[] context = prefix == null ? query : BatchConsistencyTest.concat(prefix, query);
        return OPTIONS.stream().mapToDouble(option -> plainForwardLogLikelihood(model, context, option)).toArray();
    }

    /** The reference: log p(option | context) summed over the option's tokens, from one forward of context + option. */
    static double plainForwardLogLikelihood(LanguageModel model, long[] context, long[] option) {
        long[] ids = BatchConsistencyTest.concat(context, option);
        try (NDManager m = model.manager().newSubManager()) {
            NDArray logp = model.forward(ForwardInput.builder()
                    .setTokens(m.create(ids, new Shape(1, ids.length)), null).build()).logits().logSoftmax(-1);
            double sum = 0;
            for (int j = 0; j < option.length; j++) {
                sum += logp.getFloat(0, context.length - 1 + j, option[j]);
            }
            return sum;
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void optionScoreIsSumOfTokenLogProbsFromFullLogits(Path dir) {
        try (LanguageModel model = LanguageModel.load(dir, LmSettings.cpu());
             LmTokenizer tok = LmTokenizer.load(dir)) {
            long[] context = tok.encode("Review: terrible plot acting. Sentiment:");
            List<long[]> options = List.of(tok.encode(" negative"), tok.encode(" positive and happy"), new long[] {65},
                    tok.encode(" meh"));
            double[] scores = new BatchScorer(model).score(List.of(new BatchScorer.Query(null, context, options)))[0];
            assertEquals(options.size(), scores.length);
            for (int i = 0; i < options.size(); i++) {
                assertEquals(plainForwardLogLikelihood(model, context, options.get(i)), scores[i], 1e-4,
                        dir.getFileName() + " option " + i);
            }
            assertThrows(IllegalArgumentException.class, () -> new BatchScorer.Query(null, new long[0], options));
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void mixedBatchEqualsEachQueryScoredOnItsWholeText(Path dir) {
        try (LanguageModel model = LanguageModel.load(dir, LmSettings.cpu());
             KvCache a = prefix(model, PREFIX_A);
             KvCache b = prefix(model, PREFIX_B)) {
            double[][] batched = new BatchScorer(model).score(List.of(
                    new BatchScorer.Query(a, QUERY_1, OPTIONS),
                    new BatchScorer.Query(b, QUERY_2, OPTIONS),
                    new BatchScorer.Query(null, QUERY_1, OPTIONS),
                    new BatchScorer.Query(a, QUERY_2, OPTIONS)));
            assertArrayEquals(fullContext(model, PREFIX_A, QUERY_1), batched[0], 1e-4);
            assertArrayEquals(fullContext(model, PREFIX_B, QUERY_2), batched[1], 1e-4);
            assertArrayEquals(fullContext(model, null, QUERY_1), batched[2], 1e-4);
            assertArrayEquals(fullContext(model, PREFIX_A, QUERY_2), batched[3], 1e-4);
            assertEquals(OPTIONS.size(), batched[0].length);
        }
    }

    /**
     * Queries with one prefix (a task's queries) are grouped and stacked as one run wherever they stand; the result
     * must not depend on it, and a batch that is one run must leave the cached prefix usable for the next batch.
     */
    @ParameterizedTest
    @MethodSource("models")
    void runsOfQueriesSharingAPrefixScoreAsEachAlone(Path dir) {
        try (LanguageModel model = LanguageModel.load(dir, LmSettings.cpu());
             KvCache a = prefix(model, PREFIX_A);
             KvCache b = prefix(model, PREFIX_B)) {
            BatchScorer scorer = new BatchScorer(model);
            double[][] runs = scorer.score(List.of(
                    new BatchScorer.Query(a, QUERY_1, OPTIONS),
                    new BatchScorer.Query(a, QUERY_2, OPTIONS),
                    new BatchScorer.Query(b, QUERY_1, OPTIONS),
                    new BatchScorer.Query(null, QUERY_2, OPTIONS),
                    new BatchScorer.Query(null, QUERY_1, OPTIONS),
                    new BatchScorer.Query(a, QUERY_1, OPTIONS)));
            assertArrayEquals(fullContext(model, PREFIX_A, QUERY_1), runs[0], 1e-4);
            assertArrayEquals(fullContext(model, PREFIX_A, QUERY_2), runs[1], 1e-4);
            assertArrayEquals(fullContext(model, PREFIX_B, QUERY_1), runs[2], 1e-4);
            assertArrayEquals(fullContext(model, null, QUERY_2), runs[3], 1e-4);
            assertArrayEquals(fullContext(model, null, QUERY_1), runs[4], 1e-4);
            assertArrayEquals(fullContext(model, PREFIX_A, QUERY_1), runs[5], 1e-4);
            for (int call = 0; call < 2; call++) {
                double[][] oneRun = scorer.score(List.of(new BatchScorer.Query(a, QUERY_2, List.of(OPTIONS.get(0)))));
                assertArrayEquals(new double[] {fullContext(model, PREFIX_A, QUERY_2)[0]}, oneRun[0], 1e-4);
            }
        }
    }
}
