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

    /** Every row repeated {@code n} times (row r becomes rows r*n .. r*n+n-1), e.g. once per query. */
    public PromptBatch repeatRows(long n) {
        return new PromptBatch(design, k, tokenIds == null ? null : tokenIds.repeat(0, n),
                embeddings == null ? null : embeddings.repeat(0, n), prefix == null ? null : prefix.repeatRows(n));
    }
}
