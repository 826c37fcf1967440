package io.metalprompt.train;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
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
     *
     * <p>A gradient with a NaN or infinity anywhere (its norm is then not finite) is not applied: one such update
     * would make every parameter NaN for good (clipping cannot help, NaN compares false). The gradients are zeroed
     * and the step still counts, so a resumed run stays aligned with its step numbers; the caller sees the
     * non-finite norm and can say so ({@link #isSkipped}).
     */
    public double step(Map<String, NDArray> params, double lr) {
        // every temporary lives in an NDScope: gradients fetched from PyTorch and the ops on them would
        // otherwise stay attached to the parameters' (or the moments') manager for the whole run
        double sq = 0;
        try (NDScope scope = new NDScope()) {
            for (NDArray p : params.values()) {
                sq += p.getGradient().square().sum().getFloat();
            }
        }
        double norm = Math.sqrt(sq);
        if (isSkipped(norm)) {
            skip(params);
            return norm;
        }
        double clip = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1.0;
        steps++;
        double bc1 = 1 - Math.pow(beta1, steps);
        double bc2 = 1 - Math.pow(beta2, steps);
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray p = e.getValue();
            NDArray mi = m.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape(), p.getDataType()));
            NDArray vi = v.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape(), p.getDataType()));
            try (NDScope scope = new NDScope()) {
                NDArray g = p.getGradient();
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
        }
        return norm;
    }

    /** Whether {@link #step} returning {@code gradNorm} skipped its update. */
    public static boolean isSkipped(double gradNorm) {
        return !Double.isFinite(gradNorm);
    }

    /** Counts a step without updating anything (a non-finite loss or gradient), and zeroes the gradients. */
    public void skip(Map<String, NDArray> params) {
        try (NDScope scope = new NDScope()) {
            for (NDArray p : params.values()) {
                p.getGradient().set(new NDIndex("..."), 0);   // not g - g: NaN - NaN is NaN
            }
        }
        steps++;
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
