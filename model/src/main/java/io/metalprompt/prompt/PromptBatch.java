package io.metalprompt.prompt;

import ai.djl.ndarray.NDArray;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.KvCache;

/**
 * Prompts for B episodes from one PGM forward pass, as tensors (differentiable when produced inside a
 * {@code GradientCollector}). Which fields are set depends on the design:
 * <ul>
 * <li>DISCRETE: {@code tokenIds [B,k]} (argmax) and {@code embeddings [B,k,d]} (straight-through one-hot x word
 *     embeddings while training; the tokens' embedding rows otherwise)</li>
 * <li>WEIGHTED_SUM: {@code embeddings [B,k,d]} = softmax x word embeddings, {@code tokenIds} = argmax (for reading)</li>
 * <li>HIDDEN_STATE: {@code embeddings [B,k,d]} = the PGM's final hidden states</li>
 * <li>PREFIX: {@code prefix}: per layer keys/values {@code [B,K,k,hd]}, mask {@code [B,k]}</li>
 * </ul>
 */
public record PromptBatch(PromptDesign design, int k, NDArray tokenIds, NDArray embeddings, KvCache prefix) {

    public long batchSize() {
        return prefix != null ? prefix.batchSize() : embeddings.getShape().get(0);
    }

    /**
     * Every row's prompt followed by {@code next}'s (the same design and rows): prompts side by side along the position
     * axis, {@code k} the sum. How iterative generation keeps several passes' prompts ({@link PaddingLayout#passesKept}).
     */
    public PromptBatch then(PromptBatch next) {
        if (next.design != design || next.batchSize() != batchSize()) {
            throw new IllegalArgumentException("cannot put a " + next.design + " batch of " + next.batchSize()
                    + " rows after a " + design + " batch of " + batchSize());
        }
        return new PromptBatch(design, k + next.k,
                tokenIds == null || next.tokenIds == null ? null : tokenIds.concat(next.tokenIds, 1),
                embeddings == null ? null : embeddings.concat(next.embeddings, 1),
                prefix == null ? null : prefix.then(next.prefix));
    }

    /** The last {@code n} positions of every row's prompt (all of them when {@code n >= k}). */
    public PromptBatch lastPositions(int n) {
        if (n >= k) {
            return this;
        }
        if (n < 1) {
            throw new IllegalArgumentException("keep at least one position, got " + n);
        }
        String tail = ":, " + (k - n) + ":";                     // [B,k] and [B,k,d]: positions are axis 1
        return new PromptBatch(design, n, tokenIds == null ? null : tokenIds.get(tail),
                embeddings == null ? null : embeddings.get(tail), prefix == null ? null : prefix.lastPositions(n));
    }

    /** Every row repeated {@code n} times (row r becomes rows r*n .. r*n+n-1), e.g. once per query. */
    public PromptBatch repeatRows(long n) {
        return new PromptBatch(design, k, tokenIds == null ? null : tokenIds.repeat(0, n),
                embeddings == null ? null : embeddings.repeat(0, n), prefix == null ? null : prefix.repeatRows(n));
    }
}
