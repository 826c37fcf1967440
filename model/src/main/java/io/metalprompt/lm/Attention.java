package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

import java.util.List;

/** What both block families do the same way: projections through the adapter hook, cached causal attention. */
final class Attention {

    private Attention() {
    }

    /** GPT-2 Conv1D projection: weights are (in, out), so {@code x W + b} with no transpose. */
    static NDArray conv1d(NDArray x, NDArray w, NDArray b, int layer, String name, ProjectionAdapter adapter) {
        NDArray y = b == null ? x.matMul(w) : x.matMul(w).add(b);
        return adapter == null ? y : adapter.adapt(layer, name, x, y);
    }

    /** {@code nn.Linear} projection: weights are (out, in), no bias (Llama). */
    static NDArray linear(NDArray x, NDArray w, int layer, String name, ProjectionAdapter adapter) {
        NDArray y = Linear.linear(x, w, null).singletonOrThrow();
        return adapter == null ? y : adapter.adapt(layer, name, x, y);
    }

    /** {@code [B,T,h*hd]} -> {@code [B,h,T,hd]}. */
    static NDArray heads(NDArray x, long b, long t, int h, int hd) {
        return x.reshape(b, t, h, hd).transpose(0, 2, 1, 3);
    }

    /**
     * Puts this layer's new keys and values {@code [B,K,T,hd]} behind the cached ones ({@code [B,K,S,hd]}), records
     * them for the pass's cache, then attends. Returns {@code [B,T,H*hd]}.
     */
    static NDArray cached(int layer, NDArray q, NDArray k, NDArray v, Block.Pass pass, int kvHeads,
            List<NDArray> keys, List<NDArray> values) {
        if (pass.past() != null) {
            k = pass.past().keys().get(layer).concat(k, 2);                                      // [B,K,S,hd]
            v = pass.past().values().get(layer).concat(v, 2);
        }
        keys.add(k);
        values.add(v);
        Shape qs = q.getShape();                                                                   // [B,H,T,hd]
        return attend(q, k, v, pass.bias(), kvHeads).transpose(0, 2, 1, 3)
                .reshape(pass.b(), pass.t(), qs.get(1) * qs.get(3));
    }

    /**
     * Causal self-attention. q [B,H,T,hd], k/v [B,K,S,hd], bias additive [B,1,T,S] (MHA) or [B,1,1,T,S] (GQA: each
     * group of H/K query heads shares one key/value head, no copies). Returns [B,H,T,hd].
     */
    static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray bias, int kvHeads) {
        Shape qs = q.getShape();
        double scale = 1.0 / Math.sqrt(qs.get(3));
        long g = qs.get(1) / kvHeads;
        if (g == 1) {
            NDArray att = Scalars.mul(q, scale).matMul(k.transpose(0, 1, 3, 2)).add(bias).softmax(-1);  // [B,H,T,S]
            return att.matMul(v);                                                                // [B,H,T,hd]
        }
        NDArray q5 = q.reshape(qs.get(0), kvHeads, g, qs.get(2), qs.get(3));                      // [B,K,g,T,hd]
        NDArray att = Scalars.mul(q5, scale).matMul(k.expandDims(2).transpose(0, 1, 2, 4, 3))              // [B,K,g,T,S]
                .add(bias).softmax(-1);
        return att.matMul(v.expandDims(2)).reshape(qs);                                          // [B,H,T,hd]
    }
}
