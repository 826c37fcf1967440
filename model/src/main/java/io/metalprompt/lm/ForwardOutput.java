package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * Result of {@link LanguageModel#forward}.
 *
 * @param logits       {@code [B, S+T, V]} float32, one row per input position (soft-prompt rows included)
 * @param hiddenStates nLayer+1 arrays {@code [B, S+T, d]}: the residual stream after each block, then the
 *                     final normed hidden state (what the head reads)
 * @param cache        past + new keys/values per layer and the combined mask {@code [B, P+S+T]}
 */
public record ForwardOutput(NDArray logits, List<NDArray> hiddenStates, KvCache cache) {

    /** The final normed hidden state {@code [B, S+T, d]}. */
    public NDArray finalHidden() {
        return hiddenStates.get(hiddenStates.size() - 1);
    }
}
