package io.metalprompt.lm;

import static io.metalprompt.lm.Attention.linear;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

import java.util.List;

/**
 * A Llama block (weights under {@code model.layers.<layer>.}): {@code x + o_proj(attn(rope(q), rope(k), v))} on
 * {@code input_layernorm(x)}, then {@code + down_proj(silu(gate_proj(h)) * up_proj(h))} on
 * {@code post_attention_layernorm(x)}. nn.Linear weights are (out, in); no biases.
 */
record LlamaBlock(int layer, int nHead, int nKvHead, int headDim, Norm.Rms inputNorm, NDArray qW, NDArray kW,
        NDArray vW, NDArray oW, Norm.Rms postNorm, NDArray gateW, NDArray upW, NDArray downW) implements Block {

    @Override
    public NDArray forward(NDArray x, Pass s, List<NDArray> keys, List<NDArray> values) {
        x = x.add(attention(inputNorm.apply(x), s, keys, values));
        return x.add(mlp(postNorm.apply(x), s.adapter()));
    }

    /** q/k/v projections, RoPE on q and k (keys are cached rotated). h [B,T,d] -> [B,T,d]. */
    private NDArray attention(NDArray h, Pass s, List<NDArray> keys, List<NDArray> values) {
        ProjectionAdapter a = s.adapter();
        NDArray q = Attention.heads(linear(h, qW, layer, ProjectionAdapter.Q_PROJ, a), s.b(), s.t(), nHead, headDim);
        NDArray k = Attention.heads(linear(h, kW, layer, ProjectionAdapter.K_PROJ, a), s.b(), s.t(), nKvHead, headDim);
        NDArray v = Attention.heads(linear(h, vW, layer, ProjectionAdapter.V_PROJ, a), s.b(), s.t(), nKvHead, headDim);
        q = s.rope().apply(q);                                                                     // [B,H,T,hd]
        k = s.rope().apply(k);                                                                     // [B,K,T,hd]
        NDArray y = Attention.cached(layer, q, k, v, s, nKvHead, keys, values);                    // [B,T,H*hd]
        return linear(y, oW, layer, ProjectionAdapter.O_PROJ, a);                                  // [B,T,d]
    }

    /** SwiGLU: down(silu(gate) * up). h [B,T,d] -> [B,T,d] through [B,T,dFf]. */
    private NDArray mlp(NDArray h, ProjectionAdapter adapter) {
        NDArray gate = linear(h, gateW, layer, ProjectionAdapter.GATE_PROJ, adapter);              // [B,T,dFf]
        NDArray up = linear(h, upW, layer, ProjectionAdapter.UP_PROJ, adapter);                    // [B,T,dFf]
        return linear(gate.mul(Activation.sigmoid(gate)).mul(up), downW, layer, ProjectionAdapter.DOWN_PROJ, adapter);
    }
}
