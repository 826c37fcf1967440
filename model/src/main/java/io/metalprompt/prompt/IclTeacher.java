package io.metalprompt.prompt;

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
        PromptLoss.Rows rows = PromptLoss.Rows.of(episodes, true);
        int t = rows.width();
        if (t > target.config().maxPositions()) {
            throw new IllegalArgumentException("the distillation teacher reads XP + XL + query + answer (" + t
                    + " tokens), more than the target's " + target.config().maxPositions() + " positions: lower m or l");
        }
        Shape shape = new Shape(rows.count(), t);
        NDArray logits = target.forward(ForwardInput.builder()
                .setTokens(m.create(rows.ids(), shape), m.create(rows.mask(), shape)).build()).logits();
        NDArray logp = logits.get(new NDIndex(":, 0:{}, :", t - 1)).logSoftmax(-1).stopGradient();  // [R,T-1,V]
        return PromptLoss.answerRows(m, logp, rows.answerSpans());
    }
}
