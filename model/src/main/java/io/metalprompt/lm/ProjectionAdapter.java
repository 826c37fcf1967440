package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;

/**
 * Hook applied after every linear projection of every layer, so an adapter (LoRA) can add its term
 * without the model knowing about it: {@code return baseOutput.add(Scalars.mul(input.matMul(A).matMul(B), s))}
 * (a constant through {@link Scalars}, not {@code mul(Number)}, whenever a gradient flows through it). Must return an array of the same shape as {@code baseOutput}; returning it unchanged is a no-op.
 */
@FunctionalInterface
public interface ProjectionAdapter {
    /** GPT-2 fused query/key/value projection, output {@code [B,T,3d]}. */
    String GPT2_ATTN = "c_attn";
    /** GPT-2 attention output projection. */
    String GPT2_ATTN_PROJ = "c_proj";
    /** GPT-2 MLP up projection, output {@code [B,T,dFf]}. */
    String GPT2_FC = "c_fc";
    /** GPT-2 MLP down projection. */
    String GPT2_MLP_PROJ = "mlp.c_proj";
    String Q_PROJ = "q_proj";
    String K_PROJ = "k_proj";
    String V_PROJ = "v_proj";
    String O_PROJ = "o_proj";
    String GATE_PROJ = "gate_proj";
    String UP_PROJ = "up_proj";
    String DOWN_PROJ = "down_proj";

    /**
     * @param layer      block index, 0-based
     * @param projection one of the constants above
     * @param input      the projection's input {@code [B,T,in]}
     * @param baseOutput the frozen projection's output {@code [B,T,out]} (bias included)
     * @return the output to use instead
     */
    NDArray adapt(int layer, String projection, NDArray input, NDArray baseOutput);
}
