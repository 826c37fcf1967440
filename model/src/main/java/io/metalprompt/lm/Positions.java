package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;

/**
 * How a family tells the model where each token stands: GPT-2 adds a learned row per position to the residual
 * stream; Llama leaves the stream alone and rotates every block's queries and keys (RoPE).
 */
interface Positions {

    /** {@code x [B,T,d]} at positions {@code pos [B,T]} (int64): the stream entering block 0, and the RoPE tables. */
    Encoded encode(NDArray x, NDArray pos);

    /** @param rope the rotation the blocks apply to queries and keys, or null (learned positions) */
    record Encoded(NDArray x, Rope rope) {
    }

    /** GPT-2: {@code x + wpe[pos]}. */
    record Learned(NDArray wpe) implements Positions {
        @Override
        public Encoded encode(NDArray x, NDArray pos) {
            return new Encoded(x.add(Embedding.embedding(pos, wpe, SparseFormat.DENSE).singletonOrThrow()), null);
        }
    }

    /**
     * Llama: RoPE with Hugging Face's rotate_half convention. {@code invFreq [hd/2]}: the inverse frequencies;
     * {@code rotate [hd,hd]}: {@code x.matMul(rotate) == rotate_half(x)}. Neither is a parameter.
     */
    record Rotary(NDArray invFreq, NDArray rotate, DataType dataType) implements Positions {

        static Rotary create(LlamaConfig config, NDManager manager, DataType dataType) {
            int hd = config.headDim();
            float[] inv = new float[hd / 2];
            for (int i = 0; i < inv.length; i++) {
                // float32 arithmetic, as Hugging Face computes inv_freq
                inv[i] = 1.0f / (float) Math.pow(config.ropeTheta(), (float) (2 * i) / (float) hd);
            }
            float[] rot = new float[hd * hd];
            int half = hd / 2;
            for (int j = 0; j < half; j++) {
                rot[(j + half) * hd + j] = -1f;   // out[j]        = -x[j+half]
                rot[j * hd + j + half] = 1f;      // out[j+half]   =  x[j]
            }
            return new Rotary(manager.create(inv), manager.create(rot, new Shape(hd, hd)).toType(dataType, false),
                    dataType);
        }

        @Override
        public Encoded encode(NDArray x, NDArray pos) {
            NDArray freqs = pos.toType(DataType.FLOAT32, false).expandDims(-1).mul(invFreq);       // [B,T,hd/2]
            NDArray emb = freqs.concat(freqs, -1).expandDims(1);                                    // [B,1,T,hd]
            return new Encoded(x, new Rope(emb.cos().toType(dataType, false), emb.sin().toType(dataType, false),
                    rotate));
        }
    }

    /** One pass's rotation: {@code cos, sin [B,1,T,hd]}. */
    record Rope(NDArray cos, NDArray sin, NDArray rotate) {
        /** x cos + rotate_half(x) sin, for {@code x [B,h,T,hd]}. */
        NDArray apply(NDArray x) {
            return x.mul(cos).add(x.matMul(rotate).mul(sin));
        }
    }
}
