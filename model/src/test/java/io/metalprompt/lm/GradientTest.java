package io.metalprompt.lm;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Autograd through every op: analytic gradients agree with central finite differences. */
class GradientTest {
    private static final long[] IDS = {5, 17, 42, 99, 7, 3, 64, 11, 20, 30, 40, 0};
    private static final long[] MASK = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};

    /** Mean next-token cross-entropy over real positions of a [2,6] batch (second row right-padded). */
    static NDArray loss(LanguageModel model, NDManager m) {
        NDArray ids = m.create(IDS, new Shape(2, 6));
        NDArray mask = m.create(MASK, new Shape(2, 6));
        NDArray logp = model.forward(ForwardInput.builder().setTokens(ids, mask).build()).logits()
                .get(":, :-1, :").logSoftmax(-1);                                              // [2,5,V]
        NDArray targets = ids.get(":, 1:").expandDims(-1);                                    // [2,5,1]
        NDArray w = mask.get(":, 1:").toType(ai.djl.ndarray.types.DataType.FLOAT32, false);   // [2,5]
        return logp.gather(targets, 2).squeeze(2).mul(w).sum().div(w.sum()).neg();
    }

    private static double lossValue(LanguageModel model) {
        try (NDManager m = model.manager().newSubManager()) {
            return loss(model, m).getFloat();
        }
    }

    /**
     * One backward pass (PyTorch accumulates gradients, so exactly one), then for each named tensor the
     * element with the largest gradient is nudged by +-eps and the loss difference compared.
     */
    private static void check(Path dir, List<String> tensors) {
        try (LanguageModel model = LanguageModel.load(dir, LmSettings.cpu())) {
            Map<String, NDArray> params = model.parameters();
            Map<String, float[]> grads = new java.util.HashMap<>();
            params.values().forEach(p -> p.setRequiresGradient(true));
            try (NDManager m = model.manager().newSubManager();
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(loss(model, m));
                for (NDArray p : params.values()) {
                    float[] g = p.getGradient().toFloatArray();
                    double norm = 0;
                    for (float f : g) {
                        assertTrue(Float.isFinite(f), "non-finite gradient in " + p.getName());
                        norm += f * f;
                    }
                    assertTrue(norm > 0, "no gradient reaches " + p.getName());
                    grads.put(p.getName(), g);
                }
            }
            // in-place edits of leaves are only allowed without requiresGradient
            params.values().forEach(p -> p.setRequiresGradient(false));
            for (String name : tensors) {
                NDArray w = params.get(name);
                float[] grad = grads.get(name);
                int best = 0;
                for (int i = 1; i < grad.length; i++) {
                    if (Math.abs(grad[i]) > Math.abs(grad[best])) {
                        best = i;
                    }
                }
                boolean matrix = w.getShape().dimension() == 2;
                long cols = matrix ? w.getShape().get(1) : 1;
                long[] pos = matrix ? new long[] {best / cols, best % cols} : new long[] {best};
                NDIndex at = new NDIndex(pos);
                float orig = w.getFloat(pos);
                double eps = 1e-2;
                w.set(at, orig + eps);
                double up = lossValue(model);
                w.set(at, orig - eps);
                double down = lossValue(model);
                w.set(at, orig);
                double fd = (up - down) / (2 * eps);
                assertTrue(Math.abs(grad[best]) > 1e-3, name + ": gradient too small to check: " + grad[best]);
                assertEquals(grad[best], fd, 0.02 * Math.abs(grad[best]) + 2e-4,
                        name + "[" + best + "] analytic vs finite difference");
            }
        }
    }

    @Test
    void gpt2GradientsMatchFiniteDifferences() {
        check(LmFixtures.gpt2(), List.of("transformer.h.0.attn.c_attn.weight",
                "transformer.h.1.mlp.c_fc.weight", "transformer.wpe.weight", "transformer.ln_f.weight"));
    }

    @Test
    void llamaGradientsMatchFiniteDifferences() {
        check(LmFixtures.llama(), List.of("model.layers.0.self_attn.k_proj.weight",
                "model.layers.0.self_attn.q_proj.weight", "model.layers.1.mlp.gate_proj.weight", "lm_head.weight",
                "model.layers.0.input_layernorm.weight"));
    }
}
