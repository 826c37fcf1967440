package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A decoder-only transformer LM (GPT-2 or Llama) over plain NDArray weights, nanoGPT style: every op is
 * a DJL NDArray op, so the same code runs inference and, with a GradientCollector, training. The family lives in
 * the {@link Decoder} its weights make up ({@link Positions}, {@link Block}s, {@link Norm}); {@link #forward} is the
 * same for both.
 *
 * <p>Weights live in {@link #parameters()} under their Hugging Face names, so checkpoints map one to one
 * ({@link HfCheckpoint}). Forward results live in the manager of the input arrays (ops put results in the first
 * operand's manager); run forwards inside an {@code NDScope} or a sub-manager to free intermediates.
 *
 * <p>Shapes: B batch, T new positions, P cached positions, S = P + T key positions, d model width,
 * H query heads, K key/value heads, hd head width, V vocabulary.
 */
public final class LanguageModel implements AutoCloseable {

    private final ModelConfig config;
    private final LmSettings settings;
    private final NDManager manager;
    private final Map<String, NDArray> params;
    private final Decoder decoder;

    LanguageModel(ModelConfig config, LmSettings settings, NDManager manager, Map<String, NDArray> params) {
        this.config = config;
        this.settings = settings;
        this.manager = manager;
        this.params = Collections.unmodifiableMap(params);
        this.decoder = HfCheckpoint.decoder(config, params, manager, settings);
    }

    // ---------------------------------------------------------------- construction

    /** Loads {@code config.json} and the safetensors weights of a Hugging Face model folder. */
    public static LanguageModel load(Path dir, LmSettings settings) {
        return HfCheckpoint.load(dir, settings);
    }

    /**
     * A randomly initialised model for training from scratch, GPT-2 style: weights N(0, 0.02), residual
     * output projections N(0, 0.02/sqrt(2*nLayer)), biases 0, norm gains 1. Deterministic per seed.
     */
    public static LanguageModel init(ModelConfig config, long seed, LmSettings settings) {
        return HfCheckpoint.init(config, seed, settings);
    }

    /** Hugging Face tensor names and shapes for {@code config}, in checkpoint order. */
    public static Map<String, Shape> expectedShapes(ModelConfig c) {
        return HfCheckpoint.shapes(c);
    }

    /** Writes {@code config.json} and {@code model.safetensors} (F32) in the Hugging Face layout. */
    public void save(Path dir) {
        HfCheckpoint.save(config, params, dir);
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
        return decoder.wte();
    }

    /** Token embedding rows: ids {@code [..]} int64 -> {@code [.., d]}. */
    public NDArray embed(NDArray ids) {
        return Embedding.embedding(ids, decoder.wte(), SparseFormat.DENSE).singletonOrThrow();
    }

    /** Runs the model; see {@link ForwardInput} and {@link ForwardOutput} for shapes. */
    public ForwardOutput forward(ForwardInput in) {
        KvCache past = in.past();
        NDArray[] xm = inputs(in);
        NDArray x = xm[0];                                                                         // [B,T,d]
        NDArray mask = xm[1];                                                                      // [B,T] int64
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        if (past != null && (past.layers() != config.nLayer() || past.batchSize() != b)) {
            throw new IllegalArgumentException("past cache has " + past.layers() + " layers and batch "
                    + past.batchSize() + "; model has " + config.nLayer() + " layers, input batch " + b);
        }
        // positions [B,T]: continue after each row's real prefix length; keys [B,S]: the cached ones, then these
        NDArray pos = mask.cumSum(1).sub(1);
        NDArray keyMask = mask;
        if (past != null) {
            NDArray pastMask = past.mask().toType(DataType.INT64, false);
            pos = pos.add(pastMask.sum(new int[] {1}, true));
            keyMask = pastMask.concat(mask, 1);
        }
        pos = checkedPositions(pos, past == null ? 0 : past.length(), t);
        NDArray bias = attentionBias(x.getManager(), keyMask, b, t, past == null ? 0 : past.length());

        Positions.Encoded encoded = decoder.positions().encode(x, pos);
        x = encoded.x();
        Block.Pass pass = new Block.Pass(b, t, bias, encoded.rope(), past, in.adapter());
        List<NDArray> hidden = new ArrayList<>(config.nLayer() + 1);
        List<NDArray> keys = new ArrayList<>(config.nLayer());
        List<NDArray> values = new ArrayList<>(config.nLayer());
        for (Block block : decoder.blocks()) {
            x = block.forward(x, pass, keys, values);                                              // [B,T,d]
            hidden.add(x);
        }

        NDArray h = decoder.finalNorm().apply(x);
        hidden.add(h);
        NDArray logits = Linear.linear(h, decoder.head()).singletonOrThrow();                      // [B,T,V]
        if (logits.getDataType() != DataType.FLOAT32) {
            logits = logits.toType(DataType.FLOAT32, false);
        }
        return new ForwardOutput(logits, hidden, new KvCache(keys, values, keyMask));
    }

    /** [soft rows | token embeddings] -> {x [B,T,d], mask [B,T] int64}. */
    private NDArray[] inputs(ForwardInput in) {
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
        NDArray mask = masks.size() == 1 ? masks.get(0) : masks.get(0).concat(masks.get(1), 1);
        return new NDArray[] {x, mask};
    }

    /** Positions {@code pos [B,T]} within the table; pads (at -1) read row 0. */
    private NDArray checkedPositions(NDArray pos, long p, long t) {
        if (p + t > config.maxPositions()) {   // slots exceed the table: check the real positions (one sync)
            long maxPos = pos.max().getLong();
            if (maxPos >= config.maxPositions()) {
                throw new IllegalArgumentException("position " + maxPos + " exceeds the model's maxPositions "
                        + config.maxPositions() + " (cached " + p + " + new " + t + " slots)");
            }
        }
        return pos.clip(0, config.maxPositions() - 1);
    }

    /**
     * Additive attention bias {@code [B,1,T,S]} ({@code [B,1,1,T,S]} with GQA): 0 where query i may see key j (a
     * real key, j <= P+i), a large negative number elsewhere. {@code keyMask [B,S]}.
     */
    private NDArray attentionBias(NDManager m, NDArray keyMask, long b, long t, long p) {
        long s = p + t;
        float[] causal = new float[(int) (t * s)];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j <= p + i; j++) {
                causal[(int) (i * s + j)] = 1f;
            }
        }
        NDArray allowed = keyMask.toType(settings.dataType(), false).reshape(b, 1, s)
                .mul(m.create(causal, new Shape(t, s)).toType(settings.dataType(), false));           // [B,T,S]
        double negative = settings.dataType() == DataType.FLOAT16 ? 3e4 : 1e9;   // finite: masked rows stay NaN-free
        NDArray bias = allowed.sub(1).mul(negative).expandDims(1);                                  // [B,1,T,S]
        return config.groupSize() > 1 ? bias.expandDims(1) : bias;                                  // [B,1,1,T,S]
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
