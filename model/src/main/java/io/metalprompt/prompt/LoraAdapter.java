package io.metalprompt.prompt;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.metalprompt.lm.ModelConfig;
import io.metalprompt.lm.ProjectionAdapter;
import io.metalprompt.lm.Safetensors;
import io.metalprompt.lm.Scalars;
import io.metalprompt.train.Params;

/**
 * LoRA (Hu et al. 2021) on chosen linear projections of a frozen LM: {@code out + (x A B) * alpha/r}, with
 * {@code A [in, r]} random (uniform +-1/sqrt(in), as PyTorch's Kaiming-uniform default) and {@code B [r, out]}
 * zero, so a fresh adapter leaves the model unchanged. The base weights are never copied or modified: the
 * adapter is handed to {@code ForwardInput.optAdapter} for the PGM's forward pass only.
 *
 * <p>Parameters are named {@code lora.<layer>.<projection>.A} / {@code .B}.
 */
public final class LoraAdapter implements ProjectionAdapter, AutoCloseable {

    /** Rank, scale numerator and target projection names: everything needed to rebuild the shapes. */
    public record Config(int rank, double alpha, List<String> targets) {
        public Config {
            if (rank <= 0) {
                throw new IllegalArgumentException("LoRA rank must be positive, got " + rank);
            }
            if (targets == null || targets.isEmpty()) {
                throw new IllegalArgumentException("LoRA needs at least one target projection");
            }
            targets = List.copyOf(targets);
        }
    }

    private final Config config;
    private final double scale;
    private final NDManager manager;
    private final Map<String, NDArray> params;
    private final AtomicLong applications = new AtomicLong();

    private LoraAdapter(Config config, NDManager manager, Map<String, NDArray> params) {
        this.config = config;
        this.scale = config.alpha() / config.rank();
        this.manager = manager;
        this.params = Collections.unmodifiableMap(params);
    }

    public static Builder builder(ModelConfig model) {
        return new Builder(model);
    }

    /** Input and output widths of every projection the model has, by {@link ProjectionAdapter} name. */
    public static Map<String, long[]> projectionShapes(ModelConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long d = c.dModel();
        if (c.family() == ModelConfig.Family.GPT2) {
            m.put(GPT2_ATTN, new long[] {d, 3 * d});
            m.put(GPT2_ATTN_PROJ, new long[] {d, d});
            m.put(GPT2_FC, new long[] {d, c.dFf()});
            m.put(GPT2_MLP_PROJ, new long[] {c.dFf(), d});
        } else {
            long q = (long) c.nHead() * c.headDim();
            long kv = (long) c.nKvHead() * c.headDim();
            m.put(Q_PROJ, new long[] {d, q});
            m.put(K_PROJ, new long[] {d, kv});
            m.put(V_PROJ, new long[] {d, kv});
            m.put(O_PROJ, new long[] {q, d});
            m.put(GATE_PROJ, new long[] {d, c.dFf()});
            m.put(UP_PROJ, new long[] {d, c.dFf()});
            m.put(DOWN_PROJ, new long[] {c.dFf(), d});
        }
        return m;
    }

    /** The usual default: the attention input projections (GPT-2 fused c_attn; Llama q and v). */
    public static List<String> defaultTargets(ModelConfig c) {
        return c.family() == ModelConfig.Family.GPT2 ? List.of(GPT2_ATTN) : List.of(Q_PROJ, V_PROJ);
    }

    @Override
    public NDArray adapt(int layer, String projection, NDArray input, NDArray baseOutput) {
        NDArray a = params.get("lora." + layer + "." + projection + ".A");
        if (a == null) {
            return baseOutput;
        }
        applications.incrementAndGet();
        NDArray b = params.get("lora." + layer + "." + projection + ".B");
        return baseOutput.add(Scalars.mul(input.matMul(a).matMul(b), scale));  // [B,T,in][in,r][r,out] -> [B,T,out]
    }

    public Config config() {
        return config;
    }

    /** A and B of every adapted projection, live (the optimizer updates them in place). */
    public Map<String, NDArray> parameters() {
        return params;
    }

    /** How many projection outputs this adapter has changed so far: layers x targets per forward pass. */
    public long applications() {
        return applications.get();
    }

    public void setTrainable(boolean trainable) {
        Params.setTrainable(params, trainable);
    }

    public void save(Path file) {
        Safetensors.write(file, params);
    }

    /** Loads values saved by {@link #save} (or any safetensors file holding these names) into this adapter. */
    public void load(Path file) {
        Params.load(file, params, "LoRA adapter");
    }

    @Override
    public void close() {
        manager.close();
    }

    public static final class Builder {
        private final ModelConfig model;
        private int rank = 8;
        private double alpha = 16;
        private List<String> targets;
        private long seed = 0;

        private Builder(ModelConfig model) {
            this.model = model;
            this.targets = defaultTargets(model);
        }

        public Builder optRank(int rank) {
            this.rank = rank;
            return this;
        }

        public Builder optAlpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        /** Projection names ({@link ProjectionAdapter} constants) to adapt in every layer. */
        public Builder optTargets(Collection<String> targets) {
            this.targets = List.copyOf(new LinkedHashSet<>(targets));
            return this;
        }

        public Builder optConfig(Config c) {
            return optRank(c.rank()).optAlpha(c.alpha()).optTargets(c.targets());
        }

        /** Seed of the A initialisation. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Creates the parameters in a sub-manager of {@code parent} (closed with the adapter). */
        public LoraAdapter build(NDManager parent) {
            Config config = new Config(rank, alpha, targets);
            Map<String, long[]> shapes = projectionShapes(model);
            Set<String> unknown = new LinkedHashSet<>(targets);
            unknown.removeAll(shapes.keySet());
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("unknown LoRA target(s) " + unknown + " for "
                        + model.family().modelType() + "; known: " + shapes.keySet());
            }
            NDManager manager = parent.newSubManager();
            Random rnd = new Random(seed);
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (int l = 0; l < model.nLayer(); l++) {
                for (String t : targets) {
                    long in = shapes.get(t)[0];
                    long out = shapes.get(t)[1];
                    float[] a = new float[(int) (in * rank)];
                    double bound = 1.0 / Math.sqrt(in);
                    for (int i = 0; i < a.length; i++) {
                        a[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
                    }
                    String name = "lora." + l + "." + t;
                    NDArray aArr = manager.create(a, new Shape(in, rank));
                    NDArray bArr = manager.zeros(new Shape(rank, out));
                    aArr.setName(name + ".A");
                    bArr.setName(name + ".B");
                    params.put(name + ".A", aArr);
                    params.put(name + ".B", bArr);
                }
            }
            return new LoraAdapter(config, manager, params);
        }
    }
}
