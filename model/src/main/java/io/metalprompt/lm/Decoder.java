package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * The modules of a decoder-only LM, built from its weights by {@link HfCheckpoint}, in the order a token meets
 * them: token embeddings {@code wte [V,d]}, positions, the blocks, the final norm, the output head {@code [V,d]}
 * ({@code wte} itself when tied).
 */
record Decoder(NDArray wte, Positions positions, List<Block> blocks, Norm finalNorm, NDArray head) {
}
