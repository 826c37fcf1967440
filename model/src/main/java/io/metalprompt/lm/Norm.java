package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;

/** A normalisation over the last axis of {@code x [B,T,d]}, with its weights. */
interface Norm {

    NDArray apply(NDArray x);

    /** GPT-2: LayerNorm with gain and bias. */
    record Layer(NDArray weight, NDArray bias, double eps) implements Norm {
        @Override
        public NDArray apply(NDArray x) {
            return LayerNorm.layerNorm(x, new Shape(weight.getShape().get(0)), weight, bias, (float) eps)
                    .singletonOrThrow();
        }
    }

    /** Llama: RMSNorm, x / sqrt(mean(x^2) + eps) * w (no mean subtraction, no bias). */
    record Rms(NDArray weight, double eps) implements Norm {
        @Override
        public NDArray apply(NDArray x) {
            NDArray rms = Scalars.pow(x.square().mean(new int[] {-1}, true).add(eps), -0.5);
            return x.mul(rms).mul(weight);
        }
    }
}
