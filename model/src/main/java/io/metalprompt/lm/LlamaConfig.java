package io.metalprompt.lm;

import static io.metalprompt.lm.ConfigFields.required;
import static io.metalprompt.lm.ConfigFields.tokenId;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Llama (Touvron et al. 2023) as Hugging Face's {@code LlamaForCausalLM}: rotary positions (RoPE, default
 * scaling), pre-RMSNorm blocks with separate query/key/value projections, grouped-query attention when
 * {@code nKvHead < nHead}, a SwiGLU MLP, no biases; the head may be tied to the token embeddings.
 *
 * <p>Serialised as its {@code config.json}, fields in the order below (the fingerprint of a model hashes it).
 */
@JsonPropertyOrder({"architectures", "model_type", "hidden_act", "vocab_size", "num_hidden_layers",
    "num_attention_heads", "num_key_value_heads", "hidden_size", "head_dim", "intermediate_size",
    "max_position_embeddings", "rms_norm_eps", "rope_theta", "rope_parameters", "attention_bias", "mlp_bias",
    "tie_word_embeddings", "bos_token_id", "eos_token_id", "torch_dtype"})
public record LlamaConfig(
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("num_hidden_layers") int nLayer,
        @JsonProperty("num_attention_heads") int nHead,
        @JsonProperty("num_key_value_heads") int nKvHead,
        @JsonProperty("hidden_size") int dModel,
        @JsonProperty("head_dim") int headDim,
        @JsonProperty("intermediate_size") int dFf,
        @JsonProperty("max_position_embeddings") int maxPositions,
        @JsonProperty("rms_norm_eps") double layerNormEps,
        @JsonProperty("rope_theta") double ropeTheta,   // transformers 4.x; 5.x reads rope_parameters
        @JsonProperty("tie_word_embeddings") boolean tiedHead,
        @JsonProperty("bos_token_id") @JsonInclude(value = JsonInclude.Include.CUSTOM,
                valueFilter = ConfigFields.NoTokenId.class) int bosId,
        @JsonProperty("eos_token_id") @JsonInclude(value = JsonInclude.Include.CUSTOM,
                valueFilter = ConfigFields.NoTokenId.class) int eosId) implements ModelConfig {

    public LlamaConfig {
        ConfigFields.checkSizes(vocabSize, nLayer, nHead, nKvHead, dModel, headDim, dFf, maxPositions);
        if (nHead % nKvHead != 0) {
            throw new IllegalArgumentException("nHead (" + nHead + ") must be a multiple of nKvHead (" + nKvHead + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("RoPE needs an even headDim, got " + headDim);
        }
    }

    /** Reads Hugging Face's fields (either RoPE theta location); refuses the variants this package does not implement. */
    @JsonCreator
    static LlamaConfig fromHuggingFace(@JsonProperty("attention_bias") Boolean attentionBias,
            @JsonProperty("mlp_bias") Boolean mlpBias, @JsonProperty("hidden_act") String act,
            @JsonProperty("rope_scaling") JsonNode ropeScaling, @JsonProperty("rope_parameters") JsonNode ropeParameters,
            @JsonProperty("rope_theta") Double ropeTheta,
            @JsonProperty("vocab_size") Integer vocabSize, @JsonProperty("num_hidden_layers") Integer layers,
            @JsonProperty("num_attention_heads") Integer heads, @JsonProperty("num_key_value_heads") Integer kvHeads,
            @JsonProperty("hidden_size") Integer hidden, @JsonProperty("head_dim") Integer headDim,
            @JsonProperty("intermediate_size") Integer ff, @JsonProperty("max_position_embeddings") Integer positions,
            @JsonProperty("rms_norm_eps") Double eps, @JsonProperty("tie_word_embeddings") Boolean tied,
            @JsonProperty("bos_token_id") JsonNode bos, @JsonProperty("eos_token_id") JsonNode eos) {
        if (Boolean.TRUE.equals(attentionBias) || Boolean.TRUE.equals(mlpBias)) {
            throw new IllegalArgumentException("Llama with attention_bias/mlp_bias=true is not supported");
        }
        if (act != null && !act.equals("silu")) {
            throw new IllegalArgumentException("Llama hidden_act \"" + act + "\" is not supported; supported: silu");
        }
        JsonNode parameters = ropeParameters == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
                : ropeParameters;
        String ropeType = parameters.path("rope_type").asText("default");
        if ((ropeScaling != null && !ropeScaling.isNull()) || !ropeType.equals("default")) {
            throw new IllegalArgumentException("Llama RoPE scaling (rope_scaling / rope_type \"" + ropeType
                    + "\") is not supported; supported: default RoPE");
        }
        int d = required(hidden, "hidden_size");
        int h = required(heads, "num_attention_heads");
        double theta = ropeTheta != null ? ropeTheta
                : parameters.hasNonNull("rope_theta") ? parameters.get("rope_theta").asDouble() : 10000.0;
        return new LlamaConfig(required(vocabSize, "vocab_size"), required(layers, "num_hidden_layers"), h,
                kvHeads == null ? h : kvHeads, d, headDim == null ? (h > 0 ? d / h : 0) : headDim,
                required(ff, "intermediate_size"), required(positions, "max_position_embeddings"),
                eps == null ? 1e-6 : eps, theta, Boolean.TRUE.equals(tied), tokenId(bos), tokenId(eos));
    }

    @Override
    public Family family() {
        return Family.LLAMA;
    }

    // ---------------------------------------------------------------- constant fields of the written config.json

    @JsonProperty("architectures")
    List<String> architectures() {
        return List.of("LlamaForCausalLM");
    }

    @JsonProperty("model_type")
    String modelType() {
        return Family.LLAMA.modelType();
    }

    @JsonProperty("hidden_act")
    String hiddenAct() {
        return "silu";
    }

    @JsonProperty("rope_parameters")
    Map<String, Object> ropeParameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("rope_type", "default");
        p.put("rope_theta", ropeTheta);
        return p;
    }

    @JsonProperty("attention_bias")
    boolean attentionBias() {
        return false;
    }

    @JsonProperty("mlp_bias")
    boolean mlpBias() {
        return false;
    }

    @JsonProperty("torch_dtype")
    String torchDtype() {
        return "float32";
    }
}
