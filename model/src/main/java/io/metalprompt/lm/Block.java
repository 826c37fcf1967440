package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;

import java.util.List;

/** One pre-norm transformer block: {@code x + attention(norm1(x))}, then {@code + mlp(norm2(x))}, on {@code [B,T,d]}. */
interface Block {

    /**
     * Runs the block on {@code x [B,T,d]} and appends this layer's keys and values (past + new,
     * {@code [B,K,S,hd]}) to {@code keys} and {@code values}. Returns {@code [B,T,d]}.
     */
    NDArray forward(NDArray x, Pass pass, List<NDArray> keys, List<NDArray> values);

    /**
     * What every block of one forward pass shares.
     *
     * @param b       batch B
     * @param t       new positions T
     * @param bias    additive attention bias {@code [B,1,T,S]} (MHA) or {@code [B,1,1,T,S]} (GQA)
     * @param rope    the pass's RoPE rotation, or null (learned positions)
     * @param past    the cached prefix, or null
     * @param adapter the projection hook, or null
     */
    record Pass(long b, long t, NDArray bias, Positions.Rope rope, KvCache past, ProjectionAdapter adapter) {
    }
}
