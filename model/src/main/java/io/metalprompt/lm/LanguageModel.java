package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A decoder-only transformer LM (GPT-2 or Llama) over plain NDArray weights, nanoGPT style: every op is
 * a DJL NDArray op, so the same code runs inference and, with a GradientCollector, training.
 *
 * <p>Weights live in {@link #parameters()} under their Hugging Face names, so checkpoints map one to one.
 * Forward results live in the manager of the input arrays (ops put results in the first operand's
 * manager); run forwards inside an {@code NDScope} or a sub-manager to free intermediates.
 *
 * <p>Shapes: B batch, T new positions, P cached positions, S = P + T key positions, d model width,
 * H query heads, K key/value heads, hd head width, V vocabulary.
 */
public final class LanguageModel implements AutoCloseable {
    private static final String GPT2_PREFIX = "transformer.";

    private final ModelConfig config;
    private final LmSettings settings;
    private final NDManager manager;
    private final Map<String, NDArray> params;
    private final Block[] blocks;
    private final NDArray wte;      // [V,d] token embeddings
    private final NDArray wpe;      // [maxPos,d] GPT-2 learned positions (null for Llama)
    private final NDArray lnFW;     // [d] final norm
    private final NDArray lnFB;     // [d] GPT-2 final LayerNorm bias
    private final NDArray head;     // [V,d] output projection (wte when tied)
    private final NDArray invFreq;  // [hd/2] Llama RoPE inverse frequencies (not a parameter)
    private final NDArray rotate;   // [hd,hd] x.matMul(rotate) == rotate_half(x) (not a parameter)

    /** One block's weights, looked up once (same NDArray objects as in {@link #params}). */
    private record Block(NDArray norm1W, NDArray norm1B, NDArray attnW, NDArray attnB, NDArray kW, NDArray vW,
            NDArray projW, NDArray projB, NDArray norm2W, NDArray norm2B, NDArray fcW, NDArray fcB, NDArray upW,
            NDArray downW, NDArray downB) {
    }

    private LanguageModel(ModelConfig config, LmSettings settings, NDManager manager, Map<String, NDArray> params) {
        this.config = config;
        this.settings = settings;
        this.manager = manager;
        this.params = Collections.unmodifiableMap(params);
        this.blocks = new Block[config.nLayer()];
        if (config.family() == ModelConfig.Family.GPT2) {
            String p = GPT2_PREFIX;
            wte = params.get(p + "wte.weight");
            wpe = params.get(p + "wpe.weight");
            lnFW = params.get(p + "ln_f.weight");
            lnFB = params.get(p + "ln_f.bias");
            head = wte;
            for (int i = 0; i < blocks.length; i++) {
                String h = p + "h." + i + ".";
                blocks[i] = new Block(params.get(h + "ln_1.weight"), params.get(h + "ln_1.bias"),
                        params.get(h + "attn.c_attn.weight"), params.get(h + "attn.c_attn.bias"), null, null,
                        params.get(h + "attn.c_proj.weight"), params.get(h + "attn.c_proj.bias"),
                        params.get(h + "ln_2.weight"), params.get(h + "ln_2.bias"),
                        params.get(h + "mlp.c_fc.weight"), params.get(h + "mlp.c_fc.bias"), null,
                        params.get(h + "mlp.c_proj.weight"), params.get(h + "mlp.c_proj.bias"));
            }
            invFreq = null;
            rotate = null;
        } else {
            wte = params.get("model.embed_tokens.weight");
            wpe = null;
            lnFW = params.get("model.norm.weight");
            lnFB = null;
            head = config.tiedHead() ? wte : params.get("lm_head.weight");
            for (int i = 0; i < blocks.length; i++) {
                String h = "model.layers." + i + ".";
                blocks[i] = new Block(params.get(h + "input_layernorm.weight"), null,
                        params.get(h + "self_attn.q_proj.weight"), null, params.get(h + "self_attn.k_proj.weight"),
                        params.get(h + "self_attn.v_proj.weight"), params.get(h + "self_attn.o_proj.weight"), null,
                        params.get(h + "post_attention_layernorm.weight"), null,
                        params.get(h + "mlp.gate_proj.weight"), null, params.get(h + "mlp.up_proj.weight"),
                        params.get(h + "mlp.down_proj.weight"), null);
            }
            int hd = config.headDim();
            float[] inv = new float[hd / 2];
            for (int i = 0; i < inv.length; i++) {
                // float32 arithmetic, as Hugging Face computes inv_freq
                inv[i] = 1.0f / (float) Math.pow(config.ropeTheta(), (float) (2 * i) / (float) hd);
            }
            invFreq = manager.create(inv);
            float[] rot = new float[hd * hd];
            int half = hd / 2;
            for (int j = 0; j < half; j++) {
                rot[(j + half) * hd + j] = -1f;   // out[j]        = -x[j+half]
                rot[j * hd + j + half] = 1f;      // out[j+half]   =  x[j]
            }
            rotate = manager.create(rot, new Shape(hd, hd)).toType(settings.dataType(), false);
        }
    }

    // ---------------------------------------------------------------- construction

    /** Loads {@code config.json} and the safetensors weights of a Hugging Face model folder. */
    public static LanguageModel load(Path dir, LmSettings settings) {
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException("model folder not found: " + dir.toAbsolutePath());
        }
        ModelConfig config = ModelConfig.fromJson(dir.resolve("config.json"));
        Djl.ensureOffline();
        NDManager manager = NDManager.newBaseManager(settings.djlDevice());
        try {
            Map<String, Shape> expected = expectedShapes(config);
            Map<String, NDArray> raw = Safetensors.read(dir, manager,
                    name -> expected.containsKey(canonicalName(config, name)));
            Map<String, NDArray> params = new LinkedHashMap<>();
            Map<String, NDArray> byName = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : raw.entrySet()) {
                byName.put(canonicalName(config, e.getKey()), e.getValue());
            }
            for (Map.Entry<String, Shape> e : expected.entrySet()) {
                NDArray a = byName.remove(e.getKey());
                if (a == null) {
                    throw new ModelLoadException("checkpoint in " + dir.toAbsolutePath() + " lacks tensor "
                            + e.getKey() + " (expected shape " + e.getValue() + " for " + config.family().modelType()
                            + ")");
                }
                if (!a.getShape().equals(e.getValue())) {
                    throw new ModelLoadException("tensor " + e.getKey() + " in " + dir.toAbsolutePath()
                            + " has shape " + a.getShape() + " but config.json implies " + e.getValue());
                }
                if (a.getDataType() != settings.dataType()) {
                    NDArray c = a.toType(settings.dataType(), false);
                    a.close();
                    a = c;
                }
                a.setName(e.getKey());
                params.put(e.getKey(), a);
            }
            return new LanguageModel(config, settings, manager, params);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * A randomly initialised model for training from scratch, GPT-2 style: weights N(0, 0.02), residual
     * output projections N(0, 0.02/sqrt(2*nLayer)), biases 0, norm gains 1. Deterministic per seed.
     */
    public static LanguageModel init(ModelConfig config, long seed, LmSettings settings) {
        Djl.ensureOffline();
        NDManager manager = NDManager.newBaseManager(settings.djlDevice());
        try {
            Random rnd = new Random(seed);
            double residualStd = 0.02 / Math.sqrt(2.0 * config.nLayer());
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> e : expectedShapes(config).entrySet()) {
                String name = e.getKey();
                int n = (int) e.getValue().size();
                float[] v = new float[n];
                if (name.endsWith(".bias")) {
                    // zeros
                } else if (e.getValue().dimension() == 1) {
                    java.util.Arrays.fill(v, 1f);
                } else {
                    boolean residual = name.endsWith("attn.c_proj.weight") || name.endsWith("mlp.c_proj.weight")
                            || name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight");
                    double std = residual ? residualStd : 0.02;
                    for (int i = 0; i < n; i++) {
                        v[i] = (float) (rnd.nextGaussian() * std);
                    }
                }
                NDArray a = manager.create(v, e.getValue()).toType(settings.dataType(), false);
                a.setName(name);
                params.put(name, a);
            }
            return new LanguageModel(config, settings, manager, params);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Hugging Face tensor names and shapes for {@code config}, in checkpoint order. */
    public static Map<String, Shape> expectedShapes(ModelConfig c) {
        Map<String, Shape> m = new LinkedHashMap<>();
        long d = c.dModel();
        if (c.family() == ModelConfig.Family.GPT2) {
            String p = GPT2_PREFIX;
            m.put(p + "wte.weight", new Shape(c.vocabSize(), d));
            m.put(p + "wpe.weight", new Shape(c.maxPositions(), d));
            for (int i = 0; i < c.nLayer(); i++) {
                String h = p + "h." + i + ".";
                m.put(h + "ln_1.weight", new Shape(d));
                m.put(h + "ln_1.bias", new Shape(d));
                m.put(h + "attn.c_attn.weight", new Shape(d, 3 * d));   // Conv1D: (in, out)
                m.put(h + "attn.c_attn.bias", new Shape(3 * d));
                m.put(h + "attn.c_proj.weight", new Shape(d, d));
                m.put(h + "attn.c_proj.bias", new Shape(d));
                m.put(h + "ln_2.weight", new Shape(d));
                m.put(h + "ln_2.bias", new Shape(d));
                m.put(h + "mlp.c_fc.weight", new Shape(d, c.dFf()));
                m.put(h + "mlp.c_fc.bias", new Shape(c.dFf()));
                m.put(h + "mlp.c_proj.weight", new Shape(c.dFf(), d));
                m.put(h + "mlp.c_proj.bias", new Shape(d));
            }
            m.put(p + "ln_f.weight", new Shape(d));
            m.put(p + "ln_f.bias", new Shape(d));
        } else {
            long q = (long) c.nHead() * c.headDim();
            long kv = (long) c.nKvHead() * c.headDim();
            m.put("model.embed_tokens.weight", new Shape(c.vocabSize(), d));
            for (int i = 0; i < c.nLayer(); i++) {
                String h = "model.layers." + i + ".";
                m.put(h + "input_layernorm.weight", new Shape(d));
                m.put(h + "self_attn.q_proj.weight", new Shape(q, d));     // nn.Linear: (out, in)
                m.put(h + "self_attn.k_proj.weight", new Shape(kv, d));
                m.put(h + "self_attn.v_proj.weight", new Shape(kv, d));
                m.put(h + "self_attn.o_proj.weight", new Shape(d, q));
                m.put(h + "post_attention_layernorm.weight", new Shape(d));
                m.put(h + "mlp.gate_proj.weight", new Shape(c.dFf(), d));
                m.put(h + "mlp.up_proj.weight", new Shape(c.dFf(), d));
                m.put(h + "mlp.down_proj.weight", new Shape(d, c.dFf()));
            }
            m.put("model.norm.weight", new Shape(d));
            if (!c.tiedHead()) {
                m.put("lm_head.weight", new Shape(c.vocabSize(), d));
            }
        }
        return m;
    }

    /** GPT-2 files from {@code GPT2Model} lack the {@code transformer.} prefix: add it. */
    private static String canonicalName(ModelConfig c, String name) {
        if (c.family() == ModelConfig.Family.GPT2 && !name.startsWith(GPT2_PREFIX) && !name.startsWith("lm_head.")) {
            return GPT2_PREFIX + name;
        }
        return name;
    }

    /** Writes {@code config.json} and {@code model.safetensors} (F32) in the Hugging Face layout. */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new ModelLoadException("cannot create " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        config.toJson(dir.resolve("config.json"));
        Safetensors.write(dir.resolve(Safetensors.SINGLE_FILE), params);
    }

    public ModelConfig config() {
        return config;
    }

    public LmSettings settings() {
        return settings;
    }

    /** The manager that owns the weights (on the model's device). */
    public NDManager manager() {
        return manager;
    }

    /**
     * The weights by Hugging Face name, in checkpoint order. The arrays are live: set
     * {@code setRequiresGradient(true)} and update them in place (a DJL Optimizer does) to train.
     */
    public Map<String, NDArray> parameters() {
        return params;
    }

    /** SHA-256 (hex) over the config JSON and every weight (name, shape, float32 bytes), in name order. */
    public String fingerprint() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(config.toJsonNode().toString().getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, NDArray> e : new TreeMap<>(params).entrySet()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                md.update(e.getValue().getShape().toString().getBytes(StandardCharsets.UTF_8));
                float[] f;
                try (NDArray f32 = e.getValue().toType(DataType.FLOAT32, true)) {
                    f = f32.toFloatArray();
                }
                ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(f);
                md.update(b.array());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- the model, in reading order

    /** The input word-embedding matrix {@code [V,d]} (live weights: read, never modify). */
    public NDArray tokenEmbeddingMatrix() {
        return wte;
    }

    /** Token embedding rows: ids {@code [..]} int64 -> {@code [.., d]}. */
    public NDArray embed(NDArray ids) {
        return Embedding.embedding(ids, wte, SparseFormat.DENSE).singletonOrThrow();
    }

    private NDArray norm(NDArray x, NDArray w, NDArray b) {
        if (config.family() == ModelConfig.Family.GPT2) {
            return LayerNorm.layerNorm(x, new Shape(config.dModel()), w, b, (float) config.layerNormEps())
                    .singletonOrThrow();
        }
        // RMSNorm: x / sqrt(mean(x^2) + eps) * w
        NDArray rms = x.square().mean(new int[] {-1}, true).add(config.layerNormEps()).pow(-0.5);
        return x.mul(rms).mul(w);
    }

    /** A linear projection followed by the adapter hook. GPT-2 Conv1D weights are (in, out), Llama (out, in). */
    private static NDArray project(NDArray x, NDArray w, NDArray b, boolean inOut, int layer, String name,
            ProjectionAdapter adapter) {
        NDArray y = inOut ? (b == null ? x.matMul(w) : x.matMul(w).add(b))
                : Linear.linear(x, w, b).singletonOrThrow();
        return adapter == null ? y : adapter.adapt(layer, name, x, y);
    }

    /** GPT-2's gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    private static NDArray geluNew(NDArray x) {
        NDArray inner = x.mul(x).mul(x).mul(0.044715).add(x).mul(Math.sqrt(2.0 / Math.PI));
        return inner.tanh().add(1.0).mul(x).mul(0.5);
    }

    /** RoPE, Hugging Face rotate_half convention: x cos + rotate_half(x) sin. x [B,h,T,hd], cos/sin [B,1,T,hd]. */
    private NDArray rope(NDArray x, NDArray cos, NDArray sin) {
        return x.mul(cos).add(x.matMul(rotate).mul(sin));
    }

    /**
     * Causal self-attention with a cache. q [B,H,T,hd], k/v [B,K,S,hd], bias additive [B,1,T,S] (MHA) or
     * [B,1,1,T,S] (GQA: each group of H/K query heads shares one key/value head, no copies). Returns [B,H,T,hd].
     */
    private NDArray attend(NDArray q, NDArray k, NDArray v, NDArray bias) {
        double scale = 1.0 / Math.sqrt(config.headDim());
        int g = config.groupSize();
        if (g == 1) {
            NDArray att = q.mul(scale).matMul(k.transpose(0, 1, 3, 2)).add(bias).softmax(-1);  // [B,H,T,S]
            return att.matMul(v);                                                                // [B,H,T,hd]
        }
        Shape qs = q.getShape();
        NDArray q5 = q.reshape(qs.get(0), config.nKvHead(), g, qs.get(2), qs.get(3));            // [B,K,g,T,hd]
        NDArray att = q5.mul(scale).matMul(k.expandDims(2).transpose(0, 1, 2, 4, 3))              // [B,K,g,T,S]
                .add(bias).softmax(-1);
        return att.matMul(v.expandDims(2)).reshape(qs);                                          // [B,H,T,hd]
    }

    /** What every block of one forward pass shares. */
    private record Step(long b, long t, NDArray bias, NDArray cos, NDArray sin, KvCache past,
            ProjectionAdapter adapter) {
    }

    /**
     * Causal self-attention of layer l on h [B,T,d]; appends this layer's keys/values (past + new) to the
     * lists. GPT-2: one fused c_attn projection; Llama: q/k/v projections, RoPE on q and k. Returns [B,T,d].
     */
    private NDArray attention(int l, Block w, NDArray h, Step s, List<NDArray> keys, List<NDArray> values) {
        long b = s.b();
        long t = s.t();
        int hd = config.headDim();
        NDArray q;
        NDArray k;
        NDArray v;
        if (config.family() == ModelConfig.Family.GPT2) {
            NDArray qkv = project(h, w.attnW(), w.attnB(), true, l, ProjectionAdapter.GPT2_ATTN, s.adapter()); // [B,T,3d]
            NDList split = qkv.reshape(b, t, 3L * config.nHead(), hd).transpose(0, 2, 1, 3)
                    .split(3, 1);                                                                   // 3 x [B,H,T,hd]
            q = split.get(0);
            k = split.get(1);
            v = split.get(2);
        } else {
            q = project(h, w.attnW(), null, false, l, ProjectionAdapter.Q_PROJ, s.adapter())        // [B,T,H*hd]
                    .reshape(b, t, config.nHead(), hd).transpose(0, 2, 1, 3);                       // [B,H,T,hd]
            k = project(h, w.kW(), null, false, l, ProjectionAdapter.K_PROJ, s.adapter())
                    .reshape(b, t, config.nKvHead(), hd).transpose(0, 2, 1, 3);                     // [B,K,T,hd]
            v = project(h, w.vW(), null, false, l, ProjectionAdapter.V_PROJ, s.adapter())
                    .reshape(b, t, config.nKvHead(), hd).transpose(0, 2, 1, 3);                     // [B,K,T,hd]
            q = rope(q, s.cos(), s.sin());
            k = rope(k, s.cos(), s.sin());                                                          // cached after RoPE
        }
        if (s.past() != null) {
            k = s.past().keys().get(l).concat(k, 2);                                                // [B,K,S,hd]
            v = s.past().values().get(l).concat(v, 2);
        }
        keys.add(k);
        values.add(v);
        NDArray y = attend(q, k, v, s.bias()).transpose(0, 2, 1, 3).reshape(b, t, (long) config.nHead() * hd);
        boolean gpt2 = config.family() == ModelConfig.Family.GPT2;
        return project(y, w.projW(), w.projB(), gpt2, l, gpt2 ? ProjectionAdapter.GPT2_ATTN_PROJ
                : ProjectionAdapter.O_PROJ, s.adapter());                                           // [B,T,d]
    }

    /** MLP of layer l on h [B,T,d]: GPT-2 c_fc -> gelu_new -> c_proj; Llama SwiGLU down(silu(gate) * up). */
    private NDArray mlp(int l, Block w, NDArray h, ProjectionAdapter adapter) {
        if (config.family() == ModelConfig.Family.GPT2) {
            NDArray f = geluNew(project(h, w.fcW(), w.fcB(), true, l, ProjectionAdapter.GPT2_FC, adapter)); // [B,T,dFf]
            return project(f, w.downW(), w.downB(), true, l, ProjectionAdapter.GPT2_MLP_PROJ, adapter);   // [B,T,d]
        }
        NDArray gate = project(h, w.fcW(), null, false, l, ProjectionAdapter.GATE_PROJ, adapter);     // [B,T,dFf]
        NDArray up = project(h, w.upW(), null, false, l, ProjectionAdapter.UP_PROJ, adapter);         // [B,T,dFf]
        return project(gate.mul(Activation.sigmoid(gate)).mul(up), w.downW(), null, false, l,
                ProjectionAdapter.DOWN_PROJ, adapter);                                              // [B,T,d]
    }

    /** Pre-norm block: x + attention(norm1(x)), then + mlp(norm2(x)). x [B,T,d]. */
    private NDArray block(int l, NDArray x, Step s, List<NDArray> keys, List<NDArray> values) {
        Block w = blocks[l];
        x = x.add(attention(l, w, norm(x, w.norm1W(), w.norm1B()), s, keys, values));
        return x.add(mlp(l, w, norm(x, w.norm2W(), w.norm2B()), s.adapter()));
    }

    /** Runs the model; see {@link ForwardInput} and {@link ForwardOutput} for shapes. */
    public ForwardOutput forward(ForwardInput in) {
        KvCache past = in.past();

        // --- inputs: [soft rows | tokens] -> x [B,T,d], mask [B,T]
        List<NDArray> xs = new ArrayList<>(2);
        List<NDArray> masks = new ArrayList<>(2);
        if (in.embeddings() != null) {
            NDArray e = in.embeddings();
            xs.add(e.getDataType() == settings.dataType() ? e : e.toType(settings.dataType(), false));
            masks.add(maskOf(in.embeddingMask(), e, e.getShape().slice(0, 2)));
        }
        if (in.tokenIds() != null) {
            NDArray ids = in.tokenIds();
            xs.add(embed(ids.getDataType() == DataType.INT64 ? ids : ids.toType(DataType.INT64, false)));  // [B,T,d]
            masks.add(maskOf(in.tokenMask(), ids, ids.getShape()));
        }
        NDArray x = xs.size() == 1 ? xs.get(0) : xs.get(0).concat(xs.get(1), 1);
        NDArray mask = masks.size() == 1 ? masks.get(0) : masks.get(0).concat(masks.get(1), 1);     // [B,T] int64
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        long p = past == null ? 0 : past.length();
        if (past != null && (past.layers() != config.nLayer() || past.batchSize() != b)) {
            throw new IllegalArgumentException("past cache has " + past.layers() + " layers and batch "
                    + past.batchSize() + "; model has " + config.nLayer() + " layers, input batch " + b);
        }

        // --- positions [B,T]: continue after each row's real prefix length
        NDArray pos = mask.cumSum(1).sub(1);
        NDArray keyMask = mask;                                                                    // [B,S]
        if (past != null) {
            NDArray pastMask = past.mask().toType(DataType.INT64, false);
            pos = pos.add(pastMask.sum(new int[] {1}, true));
            keyMask = pastMask.concat(mask, 1);
        }
        if (p + t > config.maxPositions()) {   // slots exceed the table: check the real positions (one sync)
            long maxPos = pos.max().getLong();
            if (maxPos >= config.maxPositions()) {
                throw new IllegalArgumentException("position " + maxPos + " exceeds the model's maxPositions "
                        + config.maxPositions() + " (cached " + p + " + new " + t + " slots)");
            }
        }
        pos = pos.clip(0, config.maxPositions() - 1);                                              // pads at -1 -> 0

        // --- attention bias [B,1,T,S]: 0 where query i may see key j (real key, j <= P+i), large negative elsewhere
        long s = p + t;
        float[] causal = new float[(int) (t * s)];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j <= p + i; j++) {
                causal[(int) (i * s + j)] = 1f;
            }
        }
        NDArray allowed = keyMask.toType(settings.dataType(), false).reshape(b, 1, s)
                .mul(x.getManager().create(causal, new Shape(t, s)).toType(settings.dataType(), false));  // [B,T,S]
        double negative = settings.dataType() == DataType.FLOAT16 ? 3e4 : 1e9;   // finite: masked rows stay NaN-free
        NDArray bias = allowed.sub(1).mul(negative).expandDims(1);                                  // [B,1,T,S]
        if (config.groupSize() > 1) {
            bias = bias.expandDims(1);                                                              // [B,1,1,T,S]
        }

        // --- positions into the model: GPT-2 adds learned rows, Llama rotates q and k (RoPE tables here)
        NDArray cos = null;
        NDArray sin = null;
        if (config.family() == ModelConfig.Family.GPT2) {
            x = x.add(Embedding.embedding(pos, wpe, SparseFormat.DENSE).singletonOrThrow());        // + wpe [B,T,d]
        } else {
            NDArray freqs = pos.toType(DataType.FLOAT32, false).expandDims(-1).mul(invFreq);       // [B,T,hd/2]
            NDArray emb = freqs.concat(freqs, -1).expandDims(1);                                    // [B,1,T,hd]
            cos = emb.cos().toType(settings.dataType(), false);
            sin = emb.sin().toType(settings.dataType(), false);
        }

        // --- blocks
        Step step = new Step(b, t, bias, cos, sin, past, in.adapter());
        List<NDArray> hidden = new ArrayList<>(config.nLayer() + 1);
        List<NDArray> keys = new ArrayList<>(config.nLayer());
        List<NDArray> values = new ArrayList<>(config.nLayer());
        for (int l = 0; l < blocks.length; l++) {
            x = block(l, x, step, keys, values);                                                    // [B,T,d]
            hidden.add(x);
        }

        // --- final norm and head
        NDArray h = norm(x, lnFW, lnFB);
        hidden.add(h);
        NDArray logits = Linear.linear(h, head).singletonOrThrow();                                  // [B,T,V]
        if (logits.getDataType() != DataType.FLOAT32) {
            logits = logits.toType(DataType.FLOAT32, false);
        }
        return new ForwardOutput(logits, hidden, new KvCache(keys, values, keyMask));
    }

    private static NDArray maskOf(NDArray mask, NDArray like, Shape shape) {
        if (mask == null) {
            return like.getManager().ones(shape, DataType.INT64);
        }
        return mask.getDataType() == DataType.INT64 ? mask : mask.toType(DataType.INT64, false);
    }

    @Override
    public void close() {
        manager.close();
    }
}
