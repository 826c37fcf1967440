package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Padding, masks and cached prefixes must not change a row's numbers: a row in a right-padded batch, behind
 * a prefix of its own length, equals the same row run alone with its whole context.
 */
class BatchConsistencyTest {

    static long[] randomIds(Random r, int n, int vocab) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 1 + r.nextInt(vocab - 1);
        }
        return ids;
    }

    static long[] concat(long[] a, long[] b) {
        long[] out = new long[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** logits [T,V] of one sequence alone, no cache. */
    static float[][] alone(LanguageModel model, NDManager m, long[] ids) {
        NDArray logits = model.forward(ForwardInput.builder()
                .setTokens(m.create(ids, new Shape(1, ids.length)), null).build()).logits();
        int v = model.config().vocabSize();
        float[] f = logits.toFloatArray();
        float[][] rows = new float[ids.length][v];
        for (int t = 0; t < ids.length; t++) {
            System.arraycopy(f, t * v, rows[t], 0, v);
        }
        return rows;
    }

    static double maxDiff(float[] batch, int offset, float[] want) {
        double max = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(batch[offset + i] - want[i]));
        }
        return max;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void paddedBatchRowEqualsRowAlone(String name) {
        Random r = new Random(7);
        try (LanguageModel model = LanguageModel.load(LmFixtures.root().resolve(name), LmSettings.cpu());
                NDManager m = model.manager().newSubManager()) {
            int v = model.config().vocabSize();
            List<long[]> rows = List.of(randomIds(r, 7, v), randomIds(r, 3, v), new long[0], randomIds(r, 11, v));
            TokenBatch batch = TokenBatch.of(m, rows, 0);
            NDArray logits = model.forward(ForwardInput.builder().setTokens(batch).build()).logits();
            long t = logits.getShape().get(1);
            float[] all = logits.toFloatArray();
            for (float f : all) {
                assertTrue(Float.isFinite(f), "padded rows (even a fully padded one) must stay finite");
            }
            for (int b = 0; b < rows.size(); b++) {
                if (rows.get(b).length == 0) {
                    continue;
                }
                float[][] want = alone(model, m, rows.get(b));
                for (int i = 0; i < want.length; i++) {
                    double d = maxDiff(all, (int) ((b * t + i) * v), want[i]);
                    assertTrue(d <= 1e-5, name + " row " + b + " pos " + i + " differs by " + d);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void cachedPrefixesOfDifferentLengthsEqualFullContext(String name) {
        Random r = new Random(11);
        try (LanguageModel model = LanguageModel.load(LmFixtures.root().resolve(name), LmSettings.cpu());
                NDManager m = model.manager().newSubManager()) {
            int v = model.config().vocabSize();
            List<long[]> prefixes = List.of(randomIds(r, 5, v), randomIds(r, 9, v), randomIds(r, 2, v));
            List<long[]> queries = List.of(randomIds(r, 3, v), randomIds(r, 1, v), randomIds(r, 4, v));
            KvCache cache = model.forward(ForwardInput.builder().setTokens(TokenBatch.of(m, prefixes, 0)).build())
                    .cache();
            assertEquals(9, cache.length());
            NDArray logits = model.forward(ForwardInput.builder().setTokens(TokenBatch.of(m, queries, 0))
                    .optPast(cache).build()).logits();
            long t = logits.getShape().get(1);
            float[] all = logits.toFloatArray();
            for (int b = 0; b < prefixes.size(); b++) {
                long[] q = queries.get(b);
                float[][] full = alone(model, m, concat(prefixes.get(b), q));
                for (int i = 0; i < q.length; i++) {
                    double d = maxDiff(all, (int) ((b * t + i) * v), full[prefixes.get(b).length + i]);
                    assertTrue(d <= 1e-5, name + " row " + b + " query pos " + i + " differs by " + d);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void embeddingRowsMixWithTokensAndMaskedSoftRowsAreSkipped(String name) {
        Random r = new Random(13);
        try (LanguageModel model = LanguageModel.load(LmFixtures.root().resolve(name), LmSettings.cpu());
                NDManager m = model.manager().newSubManager()) {
            int v = model.config().vocabSize();
            int d = model.config().dModel();
            long[] ids = randomIds(r, 5, v);
            NDArray tokens = m.create(ids, new Shape(1, 5));
            // embed(ids) fed as input embeddings == the ids themselves
            float[] viaTokens = model.forward(ForwardInput.builder().setTokens(tokens, null).build()).logits()
                    .toFloatArray();
            float[] viaEmbeds = model.forward(ForwardInput.builder().optEmbeddings(model.embed(tokens), null).build())
                    .logits().toFloatArray();
            assertTrue(maxDiff(viaEmbeds, 0, viaTokens) <= 1e-6, "embed(ids) as embeddings must equal the ids");

            // two rows: 4 real soft rows, and 2 real soft rows + 2 masked ones; then the same tokens
            NDArray soft = m.randomNormal(new Shape(2, 4, d));
            NDArray softMask = m.create(new long[] {1, 1, 1, 1, 1, 1, 0, 0}, new Shape(2, 4));
            NDArray batchTokens = m.create(concat(ids, ids), new Shape(2, 5));
            float[] batch = model.forward(ForwardInput.builder().optEmbeddings(soft, softMask)
                    .setTokens(batchTokens, null).build()).logits().toFloatArray();
            NDArray short1 = soft.get("1:2, 0:2, :");
            float[] alone = model.forward(ForwardInput.builder().optEmbeddings(short1, null).setTokens(tokens, null)
                    .build()).logits().toFloatArray();
            int rowLen = 9 * v;
            for (int t = 0; t < 5; t++) {   // token positions: 4+t in the batch row, 2+t alone
                float[] want = java.util.Arrays.copyOfRange(alone, (2 + t) * v, (3 + t) * v);
                double diff = maxDiff(batch, rowLen + (4 + t) * v, want);
                assertTrue(diff <= 1e-5, name + " token " + t + " after masked soft rows differs by " + diff);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void positionsBeyondTheTableAreRejected(String name) {
        try (LanguageModel model = LanguageModel.load(LmFixtures.root().resolve(name), LmSettings.cpu());
                NDManager m = model.manager().newSubManager()) {
            int max = model.config().maxPositions();
            long[] ids = new long[max + 1];
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> model.forward(ForwardInput.builder().setTokens(m.create(ids, new Shape(1, max + 1)), null)
                            .build()));
            assertTrue(e.getMessage().contains("maxPositions"), e.getMessage());
            // padded slots beyond the table are fine as long as real positions fit
            List<long[]> rows = List.of(new long[max], new long[3]);
            NDArray mask = TokenBatch.of(m, rows, 0).mask();
            NDArray padded = m.zeros(new Shape(2, max + 1), ai.djl.ndarray.types.DataType.INT64);
            NDArray wideMask = mask.concat(m.zeros(new Shape(2, 1), ai.djl.ndarray.types.DataType.INT64), 1);
            assertEquals(max + 1, model.forward(ForwardInput.builder().setTokens(padded, wideMask).build()).logits()
                    .getShape().get(1));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void generationStopsAtEosPerRow(String name) {
        Random r = new Random(5);
        try (LanguageModel model = LanguageModel.load(LmFixtures.root().resolve(name), LmSettings.cpu())) {
            int v = model.config().vocabSize();
            List<long[]> prompts = List.of(randomIds(r, 4, v), randomIds(r, 7, v));
            List<long[]> free = Generator.builder(model).optMaxNewTokens(6).optEosId(-1).build().greedy(prompts);
            long eos = free.get(0)[2];   // pretend the third token of row 0 is eos
            List<long[]> stopped = Generator.builder(model).optMaxNewTokens(6).optEosId(eos).build().greedy(prompts);
            int cut = 0;
            while (free.get(0)[cut] != eos) {
                cut++;
            }
            assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOf(free.get(0), cut + 1)),
                    java.util.Arrays.toString(stopped.get(0)), "row 0 ends with its eos");
            long[] row1 = free.get(1);
            int cut1 = 0;
            while (cut1 < row1.length && row1[cut1] != eos) {
                cut1++;
            }
            assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOf(row1, Math.min(row1.length, cut1 + 1))),
                    java.util.Arrays.toString(stopped.get(1)), "row 1 is unaffected until its own eos");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void batchedGenerationEqualsGenerationAlone(String name) {
        Random r = new Random(3);
        try (LanguageModel model = LanguageModel.load(LmFixtures.root().resolve(name), LmSettings.cpu())) {
            int v = model.config().vocabSize();
            List<long[]> prompts = List.of(randomIds(r, 6, v), randomIds(r, 2, v), randomIds(r, 9, v));
            Generator g = Generator.builder(model).optMaxNewTokens(8).optEosId(-1).build();
            List<long[]> batched = g.greedy(prompts);
            List<long[]> single = new ArrayList<>();
            for (long[] p : prompts) {
                single.add(g.greedy(p));
            }
            for (int i = 0; i < prompts.size(); i++) {
                assertEquals(8, batched.get(i).length);
                assertEquals(java.util.Arrays.toString(single.get(i)), java.util.Arrays.toString(batched.get(i)),
                        name + " prompt " + i);
            }
        }
    }
}
