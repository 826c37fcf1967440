package io.metalprompt.lm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

/**
 * A garbage collection between the forward and the backward pass does not change a gradient: every constant the
 * forward multiplies by (attention scale, GELU, RMSNorm exponent) must outlive the DJL wrapper it was made in
 * ({@link Scalars}).
 */
class GradientUnderGcTest {

    @Test
    void gpt2GradientsAreTheSameWithACollectionBeforeTheBackwardPass() {
        check(LmFixtures.gpt2());
    }

    @Test
    void llamaGradientsAreTheSameWithACollectionBeforeTheBackwardPass() {
        check(LmFixtures.llama());
    }

    private static void check(Path dir) {
        try (LanguageModel model = LanguageModel.load(dir, LmSettings.cpu())) {
            model.parameters().values().forEach(p -> p.setRequiresGradient(true));
            Map<String, float[]> quiet = gradients(model, false);
            for (int run = 0; run < 3; run++) {
                Map<String, float[]> churned = gradients(model, true);
                for (Map.Entry<String, float[]> e : quiet.entrySet()) {
                    float[] want = e.getValue();
                    float[] got = churned.get(e.getKey());
                    double diff = 0;
                    for (int i = 0; i < want.length; i++) {
                        diff = Math.max(diff, Math.abs(want[i] - got[i]));
                    }
                    assertTrue(diff < 1e-6, e.getKey() + " differs by " + diff + " after a collection (run " + run + ")");
                }
            }
        }
    }

    /** One forward and backward of {@link GradientTest}'s loss; every parameter's gradient, then zeroed. */
    private static Map<String, float[]> gradients(LanguageModel model, boolean churn) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager m = model.manager().newSubManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = GradientTest.loss(model, m);
            if (churn) {
                GcChurn.run();
            }
            gc.backward(loss);
            model.parameters().forEach((name, p) -> {
                NDArray g = p.getGradient();
                out.put(name, g.toFloatArray());
                g.subi(g);
                g.close();
            });
        }
        return out;
    }
}
