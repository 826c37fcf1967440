package io.metalprompt.lm;

import static io.metalprompt.lm.Attention.conv1d;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

import java.util.List;

/**
 * A GPT-2 block (weights under {@code transformer.h.<layer>.}): {@code x + c_proj(attn(c_attn(ln_1(x))))}, then
 * {@code + mlp.c_proj(gelu_new(c_fc(ln_2(x))))}. Conv1D weights are (in, out).
 */
record Gpt2Block(int layer, int nHead, Norm.Layer ln1, NDArray attnW, NDArray attnB, NDArray projW, NDArray projB,
        Norm.Layer ln2, NDArray fcW, NDArray fcB, NDArray mlpProjW, NDArray mlpProjB) implements Block {

    @Override
    public NDArray forward(NDArray x, Pass s, List<NDArray> keys, List<NDArray> values) {
        x = x.add(attention(ln1.apply(x), s, keys, values));
        return x.add(mlp(ln2.apply(x), s.adapter()));
    }

    /** One fused projection to q, k, v; no rotation (positions were added to the stream). h [B,T,d] -> [B,T,d]. */
    private NDArray attention(NDArray h, Pass s, List<NDArray> keys, List<NDArray> values) {
        int hd = (int) (attnW.getShape().get(0) / nHead);
        NDArray qkv = conv1d(h, attnW, attnB, layer, ProjectionAdapter.GPT2_ATTN, s.adapter());   // [B,T,3d]
        NDList split = Attention.heads(qkv, s.b(), s.t(), 3 * nHead, hd).split(3, 1);           // 3 x [B,H,T,hd]
        NDArray y = Attention.cached(layer, split.get(0), split.get(1), split.get(2), s, nHead, keys, values);
        return conv1d(y, projW, projB, layer, ProjectionAdapter.GPT2_ATTN_PROJ, s.adapter());    // [B,T,d]
    }

    /** c_fc -> gelu_new -> c_proj. h [B,T,d] -> [B,T,d] through [B,T,dFf]. */
    private NDArray mlp(NDArray h, ProjectionAdapter adapter) {
        NDArray f = geluNew(conv1d(h, fcW, fcB, layer, ProjectionAdapter.GPT2_FC, adapter));       // [B,T,dFf]
        return conv1d(f, mlpProjW, mlpProjB, layer, ProjectionAdapter.GPT2_MLP_PROJ, adapter);     // [B,T,d]
    }

    /** GPT-2's gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    static NDArray geluNew(NDArray x) {
        NDArray inner = Scalars.mul(Scalars.mul(x.mul(x).mul(x), 0.044715).add(x), Math.sqrt(2.0 / Math.PI));
        return Scalars.mul(inner.tanh().add(1.0).mul(x), 0.5);
    }
}
