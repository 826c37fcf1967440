package io.metalprompt.prompt;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.metalprompt.lm.ForwardInput;
import io.metalprompt.lm.LanguageModel;

/**
 * What the frozen LM predicts for each answer token when it reads an episode's XP examples as ordinary
 * demonstrations, {@code [XP ; XL ; query ; answer]}: the in-context behaviour a generated prompt replaces, used as
 * the teacher of {@link PromptLoss}'s distillation term. No gradient flows into it (the target is frozen and no
 * adapter is applied).
 */
final class IclTeacher {

    private IclTeacher() {
    }

    /** Log-probabilities over the vocabulary {@code [N,V]}, one row per answer token (episode, query, token order). */
    static NDArray answerLogProbs(LanguageModel target, NDManager m, List<Episode> episodes) {
        List<long[]> rows = new ArrayList<>();
        List<int[]> spans = new ArrayList<>();
        for (Episode e : episodes) {
            for (int i = 0; i < e.queries().size(); i++) {
                long[] query = e.queries().get(i);
                long[] answer = e.answers().get(i);
                int context = e.xp().length + e.xl().length + query.length;
                long[] row = new long[context + answer.length];
                System.arraycopy(e.xp(), 0, row, 0, e.xp().length);
                System.arraycopy(e.xl(), 0, row, e.xp().length, e.xl().length);
                System.arraycopy(query, 0, row, e.xp().length + e.xl().length, query.length);
                System.arraycopy(answer, 0, row, context, answer.length);
                rows.add(row);
                spans.add(new int[] {context, row.length});
            }
        }
        int r = rows.size();
        int t = rows.stream().mapToInt(x -> x.length).max().orElse(0);
        if (t > target.config().maxPositions()) {
            throw new IllegalArgumentException("the distillation teacher reads XP + XL + query + answer (" + t
                    + " tokens), more than the target's " + target.config().maxPositions() + " positions: lower m or l");
        }
        long[] ids = new long[r * t];
        long[] mask = new long[r * t];
        for (int i = 0; i < r; i++) {
            long[] row = rows.get(i);
            System.arraycopy(row, 0, ids, i * t, row.length);
            for (int j = 0; j < row.length; j++) {
                mask[i * t + j] = 1;
            }
        }
        NDArray logits = target.forward(ForwardInput.builder()
                .setTokens(m.create(ids, new Shape(r, t)), m.create(mask, new Shape(r, t))).build()).logits();
        NDArray logp = logits.get(new NDIndex(":, 0:{}, :", t - 1)).logSoftmax(-1).stopGradient();  // [R,T-1,V]
        return PromptLoss.answerRows(m, logp, spans);
    }
}
