package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Hugging Face checkpoints: the tensor names and shapes of each family, a model folder's {@code config.json} and
 * safetensors in and out, fresh weights for training from scratch, and the {@link Decoder} the names map to.
 * GPT-2's names are Hugging Face's {@code GPT2LMHeadModel} ones ({@code transformer.h.0.attn.c_attn.weight}, ...).
 */
final class HfCheckpoint {
    static final String GPT2_PREFIX = "transformer.";

    private HfCheckpoint() {
    }

    /** Loads {@code config.json} and the safetensors weights of a Hugging Face model folder. */
    static LanguageModel load(Path dir, LmSettings settings) {
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException("model folder not found: " + dir.toAbsolutePath());
        }
        ModelConfig config = ModelConfig.fromJson(dir.resolve("config.json"));
        Djl.ensureOffline();
        NDManager manager = NDManager.newBaseManager(settings.djlDevice());
        try {
            Map<String, Shape> expected = shapes(config);
            Map<String, NDArray> byName = new LinkedHashMap<>();
            Safetensors.read(dir, manager, name -> expected.containsKey(canonicalName(config, name)))
                    .forEach((name, a) -> byName.put(canonicalName(config, name), a));
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> e : expected.entrySet()) {
                params.put(e.getKey(), checked(dir, config, e.getKey(), e.getValue(), byName.remove(e.getKey()), settings));
            }
            return new LanguageModel(config, settings, manager, params);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** A loaded tensor, present with the shape {@code config.json} implies, in the settings' precision. */
    private static NDArray checked(Path dir, ModelConfig config, String name, Shape shape, NDArray a, LmSettings s) {
        if (a == null) {
            throw new ModelLoadException("checkpoint in " + dir.toAbsolutePath() + " lacks tensor " + name
                    + " (expected shape " + shape + " for " + config.family().modelType() + ")");
        }
        if (!a.getShape().equals(shape)) {
            throw new ModelLoadException("tensor " + name + " in " + dir.toAbsolutePath() + " has shape "
                    + a.getShape() + " but config.json implies " + shape);
        }
        if (a.getDataType() != s.dataType()) {
            NDArray c = a.toType(s.dataType(), false);
            a.close();
            a = c;
        }
        a.setName(name);
        return a;
    }

    /**
     * Random weights, GPT-2 style: N(0, 0.02), residual output projections N(0, 0.02/sqrt(2*nLayer)), biases 0,
     * norm gains 1. Deterministic per seed.
     */
    static LanguageModel init(ModelConfig config, long seed, LmSettings settings) {
        Djl.ensureOffline();
        NDManager manager = NDManager.newBaseManager(settings.djlDevice());
        try {
            Random rnd = new Random(seed);
            double residualStd = 0.02 / Math.sqrt(2.0 * config.nLayer());
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> e : shapes(config).entrySet()) {
                String name = e.getKey();
                float[] v = new float[(int) e.getValue().size()];
                if (name.endsWith(".bias")) {
                    // zeros
                } else if (e.getValue().dimension() == 1) {
                    Arrays.fill(v, 1f);
                } else {
                    boolean residual = name.endsWith("attn.c_proj.weight") || name.endsWith("mlp.c_proj.weight")
                            || name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight");
                    double std = residual ? residualStd : 0.02;
                    for (int i = 0; i < v.length; i++) {
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

    /** Writes {@code config.json} and {@code model.safetensors} (F32) in the Hugging Face layout. */
    static void save(ModelConfig config, Map<String, NDArray> params, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ModelLoadException("cannot create " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        config.toJson(dir.resolve("config.json"));
        Safetensors.write(dir.resolve(Safetensors.SINGLE_FILE), params);
    }

    /** GPT-2 files from {@code GPT2Model} lack the {@code transformer.} prefix: add it. */
    private static String canonicalName(ModelConfig c, String name) {
        if (c instanceof Gpt2Config && !name.startsWith(GPT2_PREFIX) && !name.startsWith("lm_head.")) {
            return GPT2_PREFIX + name;
        }
        return name;
    }

    /** Hugging Face tensor names and shapes for {@code config}, in checkpoint order. */
    static Map<String, Shape> shapes(ModelConfig c) {
        return c instanceof Gpt2Config g ? gpt2Shapes(g) : llamaShapes((LlamaConfig) c);
    }

    private static Map<String, Shape> gpt2Shapes(Gpt2Config c) {
        Map<String, Shape> m = new LinkedHashMap<>();
        long d = c.dModel();
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
        return m;
    }

    private static Map<String, Shape> llamaShapes(LlamaConfig c) {
        Map<String, Shape> m = new LinkedHashMap<>();
        long d = c.dModel();
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
        return m;
    }

    /** The modules the weights {@code w} (by Hugging Face name, live arrays) make up. */
    static Decoder decoder(ModelConfig c, Map<String, NDArray> w, NDManager manager, LmSettings settings) {
        return c instanceof Gpt2Config g ? gpt2(g, w) : llama((LlamaConfig) c, w, manager, settings);
    }

    private static Decoder gpt2(Gpt2Config c, Map<String, NDArray> w) {
        String p = GPT2_PREFIX;
        double eps = c.layerNormEps();
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < c.nLayer(); i++) {
            String h = p + "h." + i + ".";
            blocks.add(new Gpt2Block(i, c.nHead(), new Norm.Layer(w.get(h + "ln_1.weight"), w.get(h + "ln_1.bias"), eps),
                    w.get(h + "attn.c_attn.weight"), w.get(h + "attn.c_attn.bias"), w.get(h + "attn.c_proj.weight"),
                    w.get(h + "attn.c_proj.bias"), new Norm.Layer(w.get(h + "ln_2.weight"), w.get(h + "ln_2.bias"), eps),
                    w.get(h + "mlp.c_fc.weight"), w.get(h + "mlp.c_fc.bias"), w.get(h + "mlp.c_proj.weight"),
                    w.get(h + "mlp.c_proj.bias")));
        }
        NDArray wte = w.get(p + "wte.weight");
        return new Decoder(wte, new Positions.Learned(w.get(p + "wpe.weight")), List.copyOf(blocks),
                new Norm.Layer(w.get(p + "ln_f.weight"), w.get(p + "ln_f.bias"), eps), wte);
    }

    private static Decoder llama(LlamaConfig c, Map<String, NDArray> w, NDManager manager, LmSettings settings) {
        double eps = c.layerNormEps();
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < c.nLayer(); i++) {
            String h = "model.layers." + i + ".";
            String a = h + "self_attn.";
            blocks.add(new LlamaBlock(i, c.nHead(), c.nKvHead(), c.headDim(),
                    new Norm.Rms(w.get(h + "input_layernorm.weight"), eps), w.get(a + "q_proj.weight"),
                    w.get(a + "k_proj.weight"), w.get(a + "v_proj.weight"), w.get(a + "o_proj.weight"),
                    new Norm.Rms(w.get(h + "post_attention_layernorm.weight"), eps), w.get(h + "mlp.gate_proj.weight"),
                    w.get(h + "mlp.up_proj.weight"), w.get(h + "mlp.down_proj.weight")));
        }
        NDArray wte = w.get("model.embed_tokens.weight");
        return new Decoder(wte, Positions.Rotary.create(c, manager, settings.dataType()), List.copyOf(blocks),
                new Norm.Rms(w.get("model.norm.weight"), eps), c.tiedHead() ? wte : w.get("lm_head.weight"));
    }
}
