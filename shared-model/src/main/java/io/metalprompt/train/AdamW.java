package io.metalprompt.train;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.metalprompt.lm.Safetensors;

/**
 * AdamW with global-norm gradient clipping, for a name -> parameter map.
 *
 * <p>Written here rather than taken from DJL's {@code Adam} because a resumable trainer must save and
 * restore the moment estimates, which DJL's optimizers keep private. Weight decay is decoupled and applies
 * to matrices only (norm gains and biases are not decayed). Call {@link #step} outside any
 * {@code GradientCollector}: updates are in place, and the gradients are zeroed afterwards because
 * PyTorch accumulates them.
 */
public final class AdamW implements AutoCloseable {

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final double clipNorm;
    private final NDManager manager;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private long steps;

    private AdamW(Builder b, NDManager parent) {
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.eps = b.eps;
        this.weightDecay = b.weightDecay;
        this.clipNorm = b.clipNorm;
        this.manager = parent.newSubManager();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Updates done so far (restored by {@link #load}). */
    public long steps() {
        return steps;
    }

    /**
     * One update of every parameter that has a gradient, at learning rate {@code lr}.
     * Returns the global gradient norm before clipping.
     */
    public double step(Map<String, NDArray> params, double lr) {
        // Every temporary of the update (gradient views, norms, m/bc1, sqrt(v/bc2) ...) lands in the manager of
        // its first operand, i.e. the parameters' or this optimizer's, which live for the whole run: without a
        // scope they piled up, about 1.5 MB per step for a small PGM. Only the moment estimates are kept.
        try (NDScope scope = new NDScope()) {
            double sq = 0;
            for (NDArray p : params.values()) {
                NDArray g = p.getGradient();
                sq += g.square().sum().getFloat();
            }
            double norm = Math.sqrt(sq);
            double clip = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1.0;
            steps++;
            double bc1 = 1 - Math.pow(beta1, steps);
            double bc2 = 1 - Math.pow(beta2, steps);
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray p = e.getValue();
                NDArray g = p.getGradient();
                NDArray mi = m.computeIfAbsent(e.getKey(), k -> kept(manager.zeros(p.getShape(), p.getDataType())));
                NDArray vi = v.computeIfAbsent(e.getKey(), k -> kept(manager.zeros(p.getShape(), p.getDataType())));
                NDArray gc = g.mul((float) clip);
                mi.muli((float) beta1).addi(gc.mul((float) (1 - beta1)));
                vi.muli((float) beta2).addi(gc.square().mul((float) (1 - beta2)));
                NDArray update = mi.div((float) bc1).div(vi.div((float) bc2).sqrt().add((float) eps));
                if (weightDecay > 0 && p.getShape().dimension() >= 2) {
                    p.muli((float) (1 - lr * weightDecay));
                }
                p.subi(update.mul((float) lr));
                g.subi(g);   // zero: PyTorch accumulates gradients across backward passes
            }
            return norm;
        }
    }

    /** State that outlives the step's scope. */
    private static NDArray kept(NDArray a) {
        NDScope.unregister(a);
        return a;
    }

    /** Saves the moment estimates and the step count next to a checkpoint. */
    public void save(Path file) {
        Map<String, NDArray> all = new LinkedHashMap<>();
        m.forEach((k, a) -> all.put("m." + k, a));
        v.forEach((k, a) -> all.put("v." + k, a));
        all.put("steps", manager.create(new long[] {steps}));
        Safetensors.write(file, all);
    }

    /** Restores what {@link #save} wrote. */
    public void load(Path file) {
        Map<String, NDArray> all = Safetensors.read(file, manager);
        m.clear();
        v.clear();
        all.forEach((k, a) -> {
            if (k.startsWith("m.")) {
                m.put(k.substring(2), a);
            } else if (k.startsWith("v.")) {
                v.put(k.substring(2), a);
            }
        });
        steps = (long) all.get("steps").toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray()[0];
    }

    @Override
    public void close() {
        manager.close();
    }

    public static final class Builder {
        private double beta1 = 0.9;
        private double beta2 = 0.95;
        private double eps = 1e-8;
        private double weightDecay = 0.1;
        private double clipNorm = 1.0;

        public Builder optBetas(double beta1, double beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        public Builder optEps(double eps) {
            this.eps = eps;
            return this;
        }

        public Builder optWeightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /** Global gradient-norm clip; 0 disables clipping. */
        public Builder optClipNorm(double clipNorm) {
            this.clipNorm = clipNorm;
            return this;
        }

        public AdamW build(NDManager parent) {
            return new AdamW(this, parent);
        }
    }
}
