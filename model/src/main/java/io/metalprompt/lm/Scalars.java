package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with a constant that is safe under autograd. DJL's {@code x.mul(Number)} (and {@code div}, {@code pow})
 * wraps the number in a tensor over a Java direct buffer ({@code from_blob}, not owned by PyTorch) and closes that
 * wrapper at once. Autograd saves the constant for the backward pass ({@code d(x*c)/dx = c}); once the garbage
 * collector frees the buffer, the backward reads freed memory and the gradient is garbage (norms of 1e15 and more
 * in meta-training logs; {@code GradientUnderGcTest}). Here the constant is made by {@code torch::full}, in PyTorch's
 * own reference-counted storage, which autograd keeps alive for as long as it needs it.
 */
public final class Scalars {

    private Scalars() {
    }

    /** {@code x * v}. */
    public static NDArray mul(NDArray x, double v) {
        try (NDArray c = constant(x, v)) {
            return x.mul(c);
        }
    }

    /** {@code x / v}. */
    public static NDArray div(NDArray x, double v) {
        try (NDArray c = constant(x, v)) {
            return x.div(c);
        }
    }

    /** {@code x ^ v}, elementwise. */
    public static NDArray pow(NDArray x, double v) {
        try (NDArray c = constant(x, v)) {
            return x.pow(c);
        }
    }

    /** A 0-dimensional tensor of {@code x}'s type and device holding {@code v}, owned by PyTorch. */
    private static NDArray constant(NDArray x, double v) {
        return x.getManager().full(new Shape(), (float) v, x.getDataType());
    }
}
