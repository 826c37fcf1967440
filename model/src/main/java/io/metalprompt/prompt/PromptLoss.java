package io.metalprompt.prompt;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.ForwardInput;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.Scalars;

/**
 * The meta-training objective: the frozen target LM reads {@code [prompt ; XL ; query]} and is scored by its
 * cross-entropy on the answer tokens (mean over answer tokens of the batch). One row per (episode, query);
 * the episode's prompt is repeated for its queries. The target LM runs without the adapter.
 */
public final class PromptLoss {

    /** The loss (scalar, differentiable) and the share of answers whose first token is the argmax. */
    public record Result(NDArray loss, double firstTokenAccuracy) {
    }

    private PromptLoss() {
    }

    /** {@code prompts}: one row per episode (from {@link PromptGenerator#forward}); every episode has Q queries. */
    public static Result compute(LanguageModel target, NDManager m, PromptBatch prompts, List<Episode> episodes) {
        return compute(target, m, prompts, episodes, 0);
    }

    /**
     * As {@link #compute(LanguageModel, NDManager, PromptBatch, List)}, plus {@code distill} times the KL divergence
     * from the in-context teacher to the prompted LM at every answer token: the same frozen LM reading the XP
     * examples themselves as demonstrations, {@code [XP ; XL ; query]} (context distillation). The teacher's whole
     * distribution (how likely every label is) is a denser signal than the one gold token, and it is exactly what
     * the prompt is meant to stand in for. 0 = the paper's loss alone.
     */
    public static Result compute(LanguageModel target, NDManager m, PromptBatch prompts, List<Episode> episodes,
                                 double distill) {
        int q = episodes.get(0).queries().size();
        if (episodes.stream().anyMatch(e -> e.queries().size() != q) || prompts.batchSize() != episodes.size()) {
            throw new IllegalArgumentException("need one prompt per episode and the same query count in every episode");
        }
        Rows rows = Rows.of(episodes, false);
        int r = rows.count();
        int t = rows.width();
        List<int[]> answerSpans = rows.answerSpans();
        if (prompts.k() + t > target.config().maxPositions()) {
            throw new IllegalArgumentException("prompt (" + prompts.k() + ") + XL + query + answer (" + t
                    + " tokens) exceed the target's " + target.config().maxPositions() + " positions: lower l or m");
        }
        float[] weight = new float[r * (t - 1)];   // position j-1 predicts token j
        for (int i = 0; i < r; i++) {
            for (int j = answerSpans.get(i)[0]; j < answerSpans.get(i)[1]; j++) {
                weight[i * (t - 1) + j - 1] = 1f;
            }
        }
        NDArray tokens = m.create(rows.ids(), new Shape(r, t));
        NDArray tokenMask = m.create(rows.mask(), new Shape(r, t));
        PromptBatch p = prompts.repeatRows(q);
        ForwardInput.Builder in = ForwardInput.builder().setTokens(tokens, tokenMask);
        int offset;
        if (p.design() == PromptDesign.PREFIX) {
            in.optPast(p.prefix());
            offset = 0;                                   // logits [R,T,V]
        } else {
            in.optEmbeddings(p.embeddings(), null);
            offset = p.k();                               // logits [R,k+T,V]: skip the prompt rows
        }
        NDArray logits = target.forward(in.build()).logits();
        NDArray logp = logits.get(new NDIndex(":, {}:{}, :", offset, offset + t - 1)).logSoftmax(-1);  // [R,T-1,V]
        NDArray next = tokens.get(":, 1:");                                                          // [R,T-1]
        NDArray w = m.create(weight, new Shape(r, t - 1));
        NDArray nll = logp.gather(next.expandDims(-1), 2).squeeze(2).neg();                          // [R,T-1]
        NDArray loss = nll.mul(w).sum().div(w.sum());
        if (distill > 0) {
            NDArray student = answerRows(m, logp, answerSpans);                                   // [N,V]
            NDArray teacher = IclTeacher.answerLogProbs(target, m, episodes);                        // [N,V]
            NDArray kl = teacher.exp().mul(teacher.sub(student)).sum(new int[] {1});                 // [N]
            loss = loss.add(Scalars.mul(kl.mean(), distill));
        }
        // first answer token predicted by argmax?
        float[] hit = logp.argMax(-1).eq(next).toType(DataType.FLOAT32, false).toFloatArray();
        int correct = 0;
        for (int i = 0; i < r; i++) {
            int first = answerSpans.get(i)[0];
            correct += hit[i * (t - 1) + first - 1] > 0 ? 1 : 0;
        }
        return new Result(loss, (double) correct / r);
    }

    /**
     * The rows of {@code logp [R,T-1,V]} that predict answer tokens, in row order then token order: row r's answer
     * span [a, e) (token indices) is predicted at positions a-1 .. e-2.
     */
    static NDArray answerRows(NDManager m, NDArray logp, List<int[]> answerSpans) {
        long width = logp.getShape().get(1);
        long v = logp.getShape().get(2);
        List<Long> at = new ArrayList<>();
        for (int r = 0; r < answerSpans.size(); r++) {
            for (int j = answerSpans.get(r)[0]; j < answerSpans.get(r)[1]; j++) {
                at.add(r * width + j - 1);
            }
        }
        NDArray index = m.create(at.stream().mapToLong(Long::longValue).toArray()).expandDims(1).repeat(1, v);  // [N,V]
        return logp.reshape(-1, v).gather(index, 0);
    }

    /**
     * One right-padded row per (episode, query): {@code [XP ;] XL ; query ; answer}, with the mask and each row's
     * answer span [first answer index, end).
     */
    record Rows(long[] ids, long[] mask, int count, int width, List<int[]> answerSpans) {

        static Rows of(List<Episode> episodes, boolean withXp) {
            List<long[]> rows = new ArrayList<>();
            List<int[]> spans = new ArrayList<>();
            for (Episode e : episodes) {
                long[] lead = withXp ? e.xp() : new long[0];
                for (int i = 0; i < e.queries().size(); i++) {
                    long[] row = LongStream.concat(LongStream.concat(LongStream.of(lead), LongStream.of(e.xl())),
                            LongStream.concat(LongStream.of(e.queries().get(i)), LongStream.of(e.answers().get(i))))
                            .toArray();
                    rows.add(row);
                    spans.add(new int[] {row.length - e.answers().get(i).length, row.length});
                }
            }
            int r = rows.size();
            int t = rows.stream().mapToInt(x -> x.length).max().orElse(0);
            long[] ids = new long[r * t];
            long[] mask = new long[r * t];
            for (int i = 0; i < r; i++) {
                long[] row = rows.get(i);
                System.arraycopy(row, 0, ids, i * t, row.length);
                java.util.Arrays.fill(mask, i * t, i * t + row.length, 1L);
            }
            return new Rows(ids, mask, r, t, spans);
        }
    }
}
