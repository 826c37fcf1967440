package io.metalprompt.prompt;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.recurrent.LSTM;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.metalprompt.lm.Safetensors;

/**
 * The PGM's k trainable padding rows, reparameterised P-tuning style: k free embeddings {@code [k,d]} run
 * through a bidirectional LSTM (DJL's {@link LSTM} block, batch-first) and a two-layer ReLU MLP, giving the
 * {@code [k,d]} rows appended after the XP tokens. The LSTM ties the rows together, which P-tuning found
 * trains faster and more stably than k independent vectors.
 *
 * <p>Parameters: {@code padding.embeddings [k,d]}, {@code padding.lstm.<DJL name>},
 * {@code padding.mlp.w1 [2h,d]}, {@code b1 [d]}, {@code w2 [d,d]}, {@code b2 [d]} (h = LSTM state per direction).
 * Everything is initialised from a Java {@link Random} so a seed fixes the result.
 */
public final class TrainablePadding implements AutoCloseable {

    /** Shape of the reparameterisation. */
    public record Config(int k, int dModel, int hidden, int lstmLayers) {
        public Config {
            if (k <= 0 || dModel <= 0 || hidden <= 0 || lstmLayers <= 0) {
                throw new IllegalArgumentException("padding sizes must be positive: k=" + k + " d=" + dModel
                        + " hidden=" + hidden + " lstmLayers=" + lstmLayers);
            }
        }
    }

    private final Config config;
    private final NDManager manager;
    private final LSTM lstm;
    private final ParameterStore store;
    private final Map<String, NDArray> params;
    private final NDArray embeddings;
    private final NDArray w1;
    private final NDArray b1;
    private final NDArray w2;
    private final NDArray b2;

    private TrainablePadding(Config c, NDManager parent, long seed) {
        this.config = c;
        this.manager = parent.newSubManager();
        Random rnd = new Random(seed);
        Map<String, NDArray> p = new LinkedHashMap<>();
        embeddings = normal(rnd, new Shape(c.k(), c.dModel()), 0.02);
        p.put("padding.embeddings", embeddings);

        lstm = LSTM.builder().setStateSize(c.hidden()).setNumLayers(c.lstmLayers()).optBidirectional(true)
                .optBatchFirst(true).build();
        lstm.initialize(manager, DataType.FLOAT32, new Shape(1, c.k(), c.dModel()));
        store = new ParameterStore(manager, false);
        double bound = 1.0 / Math.sqrt(c.hidden());   // PyTorch's LSTM initialisation: U(-1/sqrt(h), 1/sqrt(h))
        for (Pair<String, Parameter> e : lstm.getParameters()) {
            NDArray a = e.getValue().getArray();
            a.setRequiresGradient(false);
            a.set(FloatBuffer.wrap(uniform(rnd, (int) a.getShape().size(), bound)));
            p.put("padding.lstm." + e.getKey(), a);
        }
        w1 = normal(rnd, new Shape(2L * c.hidden(), c.dModel()), 1.0 / Math.sqrt(2.0 * c.hidden()));
        b1 = manager.zeros(new Shape(c.dModel()));
        w2 = normal(rnd, new Shape(c.dModel(), c.dModel()), 1.0 / Math.sqrt(c.dModel()));
        b2 = manager.zeros(new Shape(c.dModel()));
        p.put("padding.mlp.w1", w1);
        p.put("padding.mlp.b1", b1);
        p.put("padding.mlp.w2", w2);
        p.put("padding.mlp.b2", b2);
        p.forEach((name, a) -> a.setName(name));
        this.params = Collections.unmodifiableMap(p);
    }

    /** New padding of shape {@code config}, parameters in a sub-manager of {@code parent}, initialised from {@code seed}. */
    public static TrainablePadding create(Config config, NDManager parent, long seed) {
        return new TrainablePadding(config, parent, seed);
    }

    /** The P-tuning default shape: a 2-layer bidirectional LSTM with d/2 state per direction. */
    public static Config defaultConfig(int k, int dModel) {
        return new Config(k, dModel, Math.max(1, dModel / 2), 2);
    }

    private NDArray normal(Random rnd, Shape shape, double std) {
        float[] v = new float[(int) shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * std);
        }
        return manager.create(v, shape);
    }

    private static float[] uniform(Random rnd, int n, double bound) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        }
        return v;
    }

    /**
     * The padding rows {@code [k,d]}. Results are created in this object's manager (ops follow their first
     * operand), so call inside an {@code NDScope}, which frees them.
     */
    public NDArray forward() {
        NDArray x = embeddings.expandDims(0);                                          // [1,k,d]
        NDArray h = lstm.forward(store, new NDList(x), true).head();                    // [1,k,2h]
        NDArray z = Activation.relu(h.matMul(w1).add(b1));                              // [1,k,d]
        return z.matMul(w2).add(b2).squeeze(0);                                         // [k,d]
    }

    public Config config() {
        return config;
    }

    public int k() {
        return config.k();
    }

    /** Embeddings, LSTM and MLP weights, live (updated in place by the optimizer). */
    public Map<String, NDArray> parameters() {
        return params;
    }

    public void setTrainable(boolean trainable) {
        Params.setTrainable(params, trainable);
    }

    public void save(Path file) {
        Safetensors.write(file, params);
    }

    public void load(Path file) {
        Params.load(file, params, "trainable padding");
    }

    @Override
    public void close() {
        manager.close();
    }
}
