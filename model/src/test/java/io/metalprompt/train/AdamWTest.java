package io.metalprompt.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

/** Two AdamW updates of f(w) = sum(w^2) against the textbook formulas computed by hand. */
class AdamWTest {

    @Test
    void matchesTheUpdateRule() {
        io.metalprompt.lm.Djl.ensureOffline();
        try (NDManager m = NDManager.newBaseManager();
             AdamW opt = AdamW.builder().optBetas(0.9, 0.99).optWeightDecay(0.1).optClipNorm(0).build(m)) {
            NDArray w = m.create(new float[] {1f, -2f}, new ai.djl.ndarray.types.Shape(1, 2));
            w.setRequiresGradient(true);
            double[] ref = {1, -2};
            double[] mm = new double[2];
            double[] vv = new double[2];
            double lr = 0.1;
            for (int step = 1; step <= 2; step++) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(w.square().sum());
                }
                opt.step(Map.of("w", w), lr);
                for (int i = 0; i < 2; i++) {
                    double g = 2 * ref[i];
                    mm[i] = 0.9 * mm[i] + 0.1 * g;
                    vv[i] = 0.99 * vv[i] + 0.01 * g * g;
                    double update = (mm[i] / (1 - Math.pow(0.9, step))) / (Math.sqrt(vv[i] / (1 - Math.pow(0.99, step))) + 1e-8);
                    ref[i] = ref[i] * (1 - lr * 0.1) - lr * update;
                }
            }
            float[] got = w.toFloatArray();
            assertEquals(ref[0], got[0], 1e-5);
            assertEquals(ref[1], got[1], 1e-5);
            assertEquals(0f, w.getGradient().abs().sum().getFloat(), "gradients are zeroed after the update");
        }
    }

    /**
     * A gradient with a NaN in it (the loss itself finite) is not applied: the parameters and moments stay as they
     * were, the gradient is zeroed for the next step, and the step counts (resume stays aligned). Applied, it would
     * turn every parameter into NaN for the rest of the run.
     */
    @Test
    void aNonFiniteGradientIsSkippedNotApplied() {
        io.metalprompt.lm.Djl.ensureOffline();
        try (NDManager m = NDManager.newBaseManager(); AdamW opt = AdamW.builder().build(m)) {
            NDArray w = m.create(new float[] {1f, -2f}, new ai.djl.ndarray.types.Shape(1, 2));
            NDArray b = m.create(new float[] {0.5f});
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            Map<String, NDArray> params = new java.util.LinkedHashMap<>(Map.of("w", w, "b", b));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(w.square().sum().add(b.sqrt().mul(b.sub(0.5f).sqrt())));   // d/db at sqrt(0): NaN
            }
            double norm = opt.step(params, 0.1);
            assertTrue(AdamW.isSkipped(norm), "norm " + norm);
            assertArrayEquals(new float[] {1f, -2f}, w.toFloatArray());
            assertArrayEquals(new float[] {0.5f}, b.toFloatArray());
            assertEquals(0f, w.getGradient().abs().sum().getFloat());
            assertEquals(0f, b.getGradient().abs().sum().getFloat());
            assertEquals(1, opt.steps());
            // the next, finite step updates as usual
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(w.square().sum().add(b.square()));
            }
            assertFalse(AdamW.isSkipped(opt.step(params, 0.1)));
            assertTrue(w.toFloatArray()[0] < 1f && Float.isFinite(b.toFloatArray()[0]));
            assertEquals(2, opt.steps());
        }
    }
}
