package io.metalprompt.prompt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.metalprompt.lm.Safetensors;
import io.metalprompt.train.Params;

/**
 * The PGM's k trainable padding rows, reparameterised P-tuning style: k free embeddings {@code [k,d]} run
 * through a bidirectional LSTM (hand-written, see the constructor) and a two-layer ReLU MLP, giving the
 * {@code [k,d]} rows appended after the XP tokens. The LSTM ties the rows together, which P-tuning found
 * trains faster and more stably than k independent vectors.
 *
 * <p>Parameters: {@code padding.embeddings [k,d]}, {@code padding.lstm.<layer>.<fwd|bwd>.w_ih [in,4h] / w_hh [h,4h] / b [4h]},
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
    /** Per layer, forward then backward direction: {w_ih [in,4h], w_hh [h,4h], b [4h]}; gates i, f, g, o. */
    private final List<NDArray[]> lstm;
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

        // A hand-written LSTM rather than DJL's LSTM block: a bidirectional block (d=64 in, h=32 state, batch-first,
        // initialised for [1,k,d]) failed inside torch.lstm with "The size of tensor a (64) must match the size
        // of tensor b (32)", for 2 layers and for 1, and its weights are reachable only through a ParameterStore.
        // k is small (a few dozen rows), so a loop over the rows costs little and every weight is a plain array.
        double bound = 1.0 / Math.sqrt(c.hidden());   // PyTorch's LSTM initialisation: U(-1/sqrt(h), 1/sqrt(h))
        lstm = new ArrayList<>();
        for (int layer = 0; layer < c.lstmLayers(); layer++) {
            long in = layer == 0 ? c.dModel() : 2L * c.hidden();
            for (String dir : new String[] {"fwd", "bwd"}) {
                String n = "padding.lstm." + layer + "." + dir + ".";
                NDArray wIh = uniformArray(rnd, new Shape(in, 4L * c.hidden()), bound);
                NDArray wHh = uniformArray(rnd, new Shape(c.hidden(), 4L * c.hidden()), bound);
                NDArray bias = uniformArray(rnd, new Shape(4L * c.hidden()), bound);
                p.put(n + "w_ih", wIh);
                p.put(n + "w_hh", wHh);
                p.put(n + "b", bias);
                lstm.add(new NDArray[] {wIh, wHh, bias});
            }
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

    private NDArray uniformArray(Random rnd, Shape shape, double bound) {
        return manager.create(uniform(rnd, (int) shape.size(), bound), shape);
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
        NDArray h = embeddings;                                                         // [k,d]
        for (int layer = 0; layer < config.lstmLayers(); layer++) {
            NDArray fwd = direction(h, lstm.get(2 * layer), false);                     // [k,h]
            NDArray bwd = direction(h, lstm.get(2 * layer + 1), true);                  // [k,h]
            h = fwd.concat(bwd, 1);                                                     // [k,2h]
        }
        NDArray z = Activation.relu(h.matMul(w1).add(b1));                              // [k,d]
        return z.matMul(w2).add(b2);                                                    // [k,d]
    }

    /** One LSTM direction over the k rows of {@code x [k,in]}; returns the hidden state at every row {@code [k,h]}. */
    private NDArray direction(NDArray x, NDArray[] w, boolean reverse) {
        int k = config.k();
        NDArray xw = x.matMul(w[0]).add(w[2]);                                           // [k,4h] input part, all steps
        NDArray h = null;
        NDArray c = null;
        NDArray[] out = new NDArray[k];
        for (int s = 0; s < k; s++) {
            int t = reverse ? k - 1 - s : s;
            NDArray gates = xw.get(new NDIndex("{}:{}", t, t + 1));                      // [1,4h]
            if (h != null) {
                gates = gates.add(h.matMul(w[1]));
            }
            NDList g = gates.split(4, 1);                                                // i, f, g, o: [1,h] each
            NDArray i = Activation.sigmoid(g.get(0));
            NDArray cand = g.get(2).tanh().mul(i);
            c = c == null ? cand : Activation.sigmoid(g.get(1)).mul(c).add(cand);
            h = Activation.sigmoid(g.get(3)).mul(c.tanh());                              // [1,h]
            out[t] = h;
        }
        return NDArrays.concat(new NDList(out), 0);                                      // [k,h]
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
