package io.metalprompt.lm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Shape and hyper-parameters of a decoder-only LM, read from / written to a Hugging Face
 * {@code config.json}. {@code bosId}/{@code eosId} are -1 when the config has none.
 */
public record ModelConfig(
        Family family,
        int vocabSize,
        int nLayer,
        int nHead,
        int nKvHead,
        int dModel,
        int headDim,
        int dFf,
        int maxPositions,
        double layerNormEps,
        double ropeTheta,
        boolean tiedHead,
        int bosId,
        int eosId) {

    /** The two architectures this package implements. */
    public enum Family {
        GPT2("gpt2"), LLAMA("llama");

        private final String modelType;

        Family(String modelType) {
            this.modelType = modelType;
        }

        /** The Hugging Face {@code model_type}. */
        public String modelType() {
            return modelType;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public ModelConfig {
        if (family == null) {
            throw new IllegalArgumentException("family is required");
        }
        if (vocabSize <= 0 || nLayer <= 0 || nHead <= 0 || nKvHead <= 0 || dModel <= 0 || headDim <= 0 || dFf <= 0
                || maxPositions <= 0) {
            throw new IllegalArgumentException("all sizes must be positive: " + sizes(vocabSize, nLayer, nHead, nKvHead,
                    dModel, headDim, dFf, maxPositions));
        }
        if (nHead % nKvHead != 0) {
            throw new IllegalArgumentException("nHead (" + nHead + ") must be a multiple of nKvHead (" + nKvHead + ")");
        }
        if (family == Family.GPT2 && (nKvHead != nHead || nHead * headDim != dModel || !tiedHead)) {
            throw new IllegalArgumentException("GPT-2 needs nKvHead == nHead, nHead*headDim == dModel and a tied head");
        }
        if (family == Family.LLAMA && headDim % 2 != 0) {
            throw new IllegalArgumentException("RoPE needs an even headDim, got " + headDim);
        }
    }

    private static String sizes(int v, int l, int h, int kv, int d, int hd, int ff, int p) {
        return "vocab=" + v + " layers=" + l + " heads=" + h + " kvHeads=" + kv + " d=" + d + " headDim=" + hd
                + " dFf=" + ff + " maxPositions=" + p;
    }

    /** A GPT-2 shape (dFf = 4d, eps 1e-5, tied head, bos = eos = vocabSize-1 as in GPT-2). */
    public static ModelConfig gpt2(int vocabSize, int nLayer, int nHead, int dModel, int maxPositions) {
        return new ModelConfig(Family.GPT2, vocabSize, nLayer, nHead, nHead, dModel, dModel / nHead, 4 * dModel,
                maxPositions, 1e-5, 0.0, true, vocabSize - 1, vocabSize - 1);
    }

    /** A Llama shape (RMSNorm eps 1e-6, theta 10000, untied head, bos 1, eos 2 as in Llama-2). */
    public static ModelConfig llama(int vocabSize, int nLayer, int nHead, int nKvHead, int dModel, int dFf,
            int maxPositions) {
        return new ModelConfig(Family.LLAMA, vocabSize, nLayer, nHead, nKvHead, dModel, dModel / nHead, dFf,
                maxPositions, 1e-6, 10000.0, false, 1, 2);
    }

    /** Query heads sharing one key/value head (1 without GQA). */
    public int groupSize() {
        return nHead / nKvHead;
    }

    /** Reads {@code config.json} (a file, or a model folder containing one). */
    public static ModelConfig fromJson(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new ModelLoadException("config not found: " + file.toAbsolutePath());
        } catch (IOException e) {
            throw new ModelLoadException("cannot parse " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelLoadException("config " + file.toAbsolutePath() + " is not a JSON object");
        }
        String type = root.path("model_type").asText("");
        return switch (type) {
            case "gpt2" -> gpt2FromJson(root, file);
            case "llama" -> llamaFromJson(root, file);
            default -> throw new ModelLoadException("unsupported model_type \"" + type + "\" in " + file.toAbsolutePath()
                    + "; supported: gpt2, llama");
        };
    }

    private static ModelConfig gpt2FromJson(JsonNode c, Path file) {
        String act = c.path("activation_function").asText("gelu_new");
        if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
            throw new ModelLoadException("GPT-2 activation_function \"" + act + "\" in " + file
                    + " is not supported; supported: gelu_new (tanh approximation)");
        }
        if (c.path("scale_attn_by_inverse_layer_idx").asBoolean(false) || !c.path("scale_attn_weights").asBoolean(true)) {
            throw new ModelLoadException("GPT-2 attention scaling variants (scale_attn_by_inverse_layer_idx=true or "
                    + "scale_attn_weights=false) in " + file + " are not supported");
        }
        int d = req(c, file, "n_embd");
        int heads = req(c, file, "n_head");
        if (d % heads != 0) {
            throw new ModelLoadException("n_embd " + d + " is not divisible by n_head " + heads + " in " + file);
        }
        JsonNode inner = c.get("n_inner");
        int dFf = inner == null || inner.isNull() ? 4 * d : inner.asInt();
        if (!c.path("tie_word_embeddings").asBoolean(true)) {
            throw new ModelLoadException("GPT-2 with tie_word_embeddings=false in " + file + " is not supported");
        }
        return new ModelConfig(Family.GPT2, req(c, file, "vocab_size"), req(c, file, "n_layer"), heads, heads, d,
                d / heads, dFf, req(c, file, "n_positions"), c.path("layer_norm_epsilon").asDouble(1e-5), 0.0, true,
                tokenId(c.get("bos_token_id")), tokenId(c.get("eos_token_id")));
    }

    private static ModelConfig llamaFromJson(JsonNode c, Path file) {
        if (c.path("attention_bias").asBoolean(false) || c.path("mlp_bias").asBoolean(false)) {
            throw new ModelLoadException("Llama with attention_bias/mlp_bias=true in " + file + " is not supported");
        }
        String act = c.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new ModelLoadException("Llama hidden_act \"" + act + "\" in " + file + " is not supported; supported: silu");
        }
        JsonNode scaling = c.get("rope_scaling");
        String ropeType = c.path("rope_parameters").path("rope_type").asText("default");
        if ((scaling != null && !scaling.isNull()) || !ropeType.equals("default")) {
            throw new ModelLoadException("Llama RoPE scaling (rope_scaling / rope_type \"" + ropeType + "\") in " + file
                    + " is not supported; supported: default RoPE");
        }
        int d = req(c, file, "hidden_size");
        int heads = req(c, file, "num_attention_heads");
        int kv = c.hasNonNull("num_key_value_heads") ? c.get("num_key_value_heads").asInt() : heads;
        int headDim = c.hasNonNull("head_dim") ? c.get("head_dim").asInt() : d / heads;
        double theta;
        if (c.hasNonNull("rope_theta")) {
            theta = c.get("rope_theta").asDouble();
        } else if (c.path("rope_parameters").hasNonNull("rope_theta")) {
            theta = c.get("rope_parameters").get("rope_theta").asDouble();
        } else {
            theta = 10000.0;
        }
        return new ModelConfig(Family.LLAMA, req(c, file, "vocab_size"), req(c, file, "num_hidden_layers"), heads, kv, d,
                headDim, req(c, file, "intermediate_size"), req(c, file, "max_position_embeddings"),
                c.path("rms_norm_eps").asDouble(1e-6), theta, c.path("tie_word_embeddings").asBoolean(false),
                tokenId(c.get("bos_token_id")), tokenId(c.get("eos_token_id")));
    }

    private static int req(JsonNode c, Path file, String key) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull() || !n.canConvertToInt()) {
            throw new ModelLoadException("config " + file.toAbsolutePath() + " lacks integer field \"" + key + "\"");
        }
        return n.asInt();
    }

    private static int tokenId(JsonNode n) {
        if (n == null || n.isNull()) {
            return -1;
        }
        if (n.isArray()) {
            return n.isEmpty() ? -1 : n.get(0).asInt();
        }
        return n.asInt();
    }

    /** The config as a Hugging Face {@code config.json} object. */
    public ObjectNode toJsonNode() {
        ObjectNode c = JSON.createObjectNode();
        if (family == Family.GPT2) {
            c.putArray("architectures").add("GPT2LMHeadModel");
            c.put("model_type", "gpt2");
            c.put("activation_function", "gelu_new");
            c.put("vocab_size", vocabSize);
            c.put("n_layer", nLayer);
            c.put("n_head", nHead);
            c.put("n_embd", dModel);
            c.put("n_inner", dFf);
            c.put("n_positions", maxPositions);
            c.put("layer_norm_epsilon", layerNormEps);
            c.put("scale_attn_weights", true);
            c.put("attn_pdrop", 0.0);
            c.put("embd_pdrop", 0.0);
            c.put("resid_pdrop", 0.0);
        } else {
            c.putArray("architectures").add("LlamaForCausalLM");
            c.put("model_type", "llama");
            c.put("hidden_act", "silu");
            c.put("vocab_size", vocabSize);
            c.put("num_hidden_layers", nLayer);
            c.put("num_attention_heads", nHead);
            c.put("num_key_value_heads", nKvHead);
            c.put("hidden_size", dModel);
            c.put("head_dim", headDim);
            c.put("intermediate_size", dFf);
            c.put("max_position_embeddings", maxPositions);
            c.put("rms_norm_eps", layerNormEps);
            c.put("rope_theta", ropeTheta);   // transformers 4.x; 5.x reads rope_parameters
            c.putObject("rope_parameters").put("rope_type", "default").put("rope_theta", ropeTheta);
            c.put("attention_bias", false);
            c.put("mlp_bias", false);
        }
        c.put("tie_word_embeddings", tiedHead);
        if (bosId >= 0) {
            c.put("bos_token_id", bosId);
        }
        if (eosId >= 0) {
            c.put("eos_token_id", eosId);
        }
        c.put("torch_dtype", "float32");
        return c;
    }

    /** Writes a {@code config.json} that Hugging Face {@code AutoConfig} and {@link #fromJson} read back. */
    public void toJson(Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            JSON.writeValue(file.toFile(), toJsonNode());
        } catch (IOException e) {
            throw new ModelLoadException("cannot write " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }
}
