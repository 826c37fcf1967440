package io.metalprompt.lm;

import static io.metalprompt.lm.ConfigFields.required;
import static io.metalprompt.lm.ConfigFields.tokenId;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * GPT-2 (Radford et al. 2019) as Hugging Face's {@code GPT2LMHeadModel}: learned positions, pre-LayerNorm blocks
 * with a fused query/key/value projection and a gelu_new MLP, a head tied to the token embeddings. Heads are
 * full multi-head attention ({@code nKvHead == nHead}), {@code headDim = dModel / nHead}.
 *
 * <p>Serialised as its {@code config.json}, fields in the order below (the fingerprint of a model hashes it).
 */
@JsonPropertyOrder({"architectures", "model_type", "activation_function", "vocab_size", "n_layer", "n_head", "n_embd",
    "n_inner", "n_positions", "layer_norm_epsilon", "scale_attn_weights", "attn_pdrop", "embd_pdrop", "resid_pdrop",
    "tie_word_embeddings", "bos_token_id", "eos_token_id", "torch_dtype"})
public record Gpt2Config(
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("n_layer") int nLayer,
        @JsonProperty("n_head") int nHead,
        @JsonProperty("n_embd") int dModel,
        @JsonProperty("n_inner") int dFf,
        @JsonProperty("n_positions") int maxPositions,
        @JsonProperty("layer_norm_epsilon") double layerNormEps,
        @JsonProperty("bos_token_id") @JsonInclude(value = JsonInclude.Include.CUSTOM,
                valueFilter = ConfigFields.NoTokenId.class) int bosId,
        @JsonProperty("eos_token_id") @JsonInclude(value = JsonInclude.Include.CUSTOM,
                valueFilter = ConfigFields.NoTokenId.class) int eosId) implements ModelConfig {

    public Gpt2Config {
        ConfigFields.checkSizes(vocabSize, nLayer, nHead, nHead, dModel, nHead > 0 ? dModel / nHead : 0, dFf, maxPositions);
        if (dModel % nHead != 0) {
            throw new IllegalArgumentException("GPT-2 needs nHead*headDim == dModel: n_embd " + dModel
                    + " is not divisible by n_head " + nHead);
        }
    }

    /** Reads Hugging Face's fields; refuses the GPT-2 variants this package does not implement. */
    @JsonCreator
    static Gpt2Config fromHuggingFace(@JsonProperty("activation_function") String activation,
            @JsonProperty("scale_attn_by_inverse_layer_idx") Boolean scaleByLayer,
            @JsonProperty("scale_attn_weights") Boolean scaleWeights,
            @JsonProperty("tie_word_embeddings") Boolean tied,
            @JsonProperty("vocab_size") Integer vocabSize, @JsonProperty("n_layer") Integer nLayer,
            @JsonProperty("n_head") Integer nHead, @JsonProperty("n_embd") Integer nEmbd,
            @JsonProperty("n_inner") Integer nInner, @JsonProperty("n_positions") Integer nPositions,
            @JsonProperty("layer_norm_epsilon") Double eps,
            @JsonProperty("bos_token_id") JsonNode bos, @JsonProperty("eos_token_id") JsonNode eos) {
        String act = activation == null ? "gelu_new" : activation;
        if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
            throw new IllegalArgumentException("GPT-2 activation_function \"" + act
                    + "\" is not supported; supported: gelu_new (tanh approximation)");
        }
        if (Boolean.TRUE.equals(scaleByLayer) || Boolean.FALSE.equals(scaleWeights)) {
            throw new IllegalArgumentException("GPT-2 attention scaling variants (scale_attn_by_inverse_layer_idx=true "
                    + "or scale_attn_weights=false) are not supported");
        }
        if (Boolean.FALSE.equals(tied)) {
            throw new IllegalArgumentException("GPT-2 with tie_word_embeddings=false is not supported");
        }
        int d = required(nEmbd, "n_embd");
        int heads = required(nHead, "n_head");
        return new Gpt2Config(required(vocabSize, "vocab_size"), required(nLayer, "n_layer"), heads, d,
                nInner == null ? 4 * d : nInner, required(nPositions, "n_positions"), eps == null ? 1e-5 : eps,
                tokenId(bos), tokenId(eos));
    }

    @Override
    public Family family() {
        return Family.GPT2;
    }

    @Override
    public int nKvHead() {
        return nHead;
    }

    @Override
    public int headDim() {
        return dModel / nHead;
    }

    @Override
    @JsonProperty("tie_word_embeddings")
    public boolean tiedHead() {
        return true;
    }

    // ---------------------------------------------------------------- constant fields of the written config.json

    @JsonProperty("architectures")
    List<String> architectures() {
        return List.of("GPT2LMHeadModel");
    }

    @JsonProperty("model_type")
    String modelType() {
        return Family.GPT2.modelType();
    }

    @JsonProperty("activation_function")
    String activationFunction() {
        return "gelu_new";
    }

    @JsonProperty("scale_attn_weights")
    boolean scaleAttnWeights() {
        return true;
    }

    @JsonProperty("attn_pdrop")
    double attnPdrop() {
        return 0.0;
    }

    @JsonProperty("embd_pdrop")
    double embdPdrop() {
        return 0.0;
    }

    @JsonProperty("resid_pdrop")
    double residPdrop() {
        return 0.0;
    }

    @JsonProperty("torch_dtype")
    String torchDtype() {
        return "float32";
    }
}
