package io.metalprompt.prompt;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.metalprompt.lm.Scalars;

/**
 * The meta-training loss of one step's episodes, each read in the same number of passes (the paper's iterative
 * generation: every pass reads the previous pass's prompt and a new chunk of examples). By default only the last
 * pass's prompt is scored, with gradients through every earlier pass. With {@code everyPass}, each pass's prompt is
 * scored on the same queries and the loss is their mean (deep supervision): a service serves every intermediate
 * prompt (a task's prompt after each batch of added examples), so each one should be a good prompt on its own, and
 * the first pass is exactly a single-pass prompt.
 */
final class ChainLoss {

    private ChainLoss() {
    }

    /** The loss to backpropagate; the first-token accuracy is the last pass's. */
    static PromptLoss.Result compute(PromptGenerator pgm, NDManager m, List<Episode> episodes,
                                     PromptGenerator.Gumbel gumbel, boolean everyPass, double distill) {
        int passes = episodes.get(0).passes();
        if (episodes.stream().anyMatch(e -> e.passes() != passes)) {
            throw new IllegalArgumentException("every episode of a step must have the same number of passes");
        }
        PromptBatch prompts = null;
        NDArray sum = null;
        for (int p = 0; p < passes - 1; p++) {
            int pass = p;
            prompts = pgm.forward(m, episodes.stream().map(e -> e.earlier().get(pass)).toList(), gumbel, prompts);
            if (everyPass) {
                NDArray loss = PromptLoss.compute(pgm.base(), m, prompts, episodes, distill).loss();
                sum = sum == null ? loss : sum.add(loss);
            }
        }
        prompts = pgm.forward(m, episodes.stream().map(Episode::xp).toList(), gumbel, prompts);
        PromptLoss.Result last = PromptLoss.compute(pgm.base(), m, prompts, episodes, distill);
        if (sum == null) {
            return last;
        }
        return new PromptLoss.Result(Scalars.div(sum.add(last.loss()), passes), last.firstTokenAccuracy());
    }
}
