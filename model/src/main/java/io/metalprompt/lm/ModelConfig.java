package io.metalprompt.lm;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Shape and hyper-parameters of a decoder-only LM: one immutable record per family ({@link Gpt2Config},
 * {@link LlamaConfig}), each serialised by Jackson as its Hugging Face {@code config.json}; the family is picked by
 * {@code model_type}. {@code bosId}/{@code eosId} are -1 when the config has none.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "model_type")
@JsonSubTypes({@JsonSubTypes.Type(value = Gpt2Config.class, name = "gpt2"),
    @JsonSubTypes.Type(value = LlamaConfig.class, name = "llama")})
public sealed interface ModelConfig permits Gpt2Config, LlamaConfig {

    /** The two architectures this package implements. */
    enum Family {
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

    Family family();

    int vocabSize();

    int nLayer();

    /** Query heads. */
    int nHead();

    /** Key/value heads (GQA when fewer than {@link #nHead()}). */
    int nKvHead();

    int dModel();

    int headDim();

    /** Width of the MLP's hidden layer. */
    int dFf();

    /** Size of the position table (GPT-2) or the longest context (Llama). */
    int maxPositions();

    /** Epsilon of the LayerNorm (GPT-2) or RMSNorm (Llama). */
    double layerNormEps();

    /** Whether the output head is the token embedding matrix. */
    boolean tiedHead();

    int bosId();

    int eosId();

    /** Query heads sharing one key/value head (1 without GQA). */
    default int groupSize() {
        return nHead() / nKvHead();
    }

    /** A GPT-2 shape (dFf = 4d, eps 1e-5, tied head, bos = eos = vocabSize-1 as in GPT-2). */
    static Gpt2Config gpt2(int vocabSize, int nLayer, int nHead, int dModel, int maxPositions) {
        return new Gpt2Config(vocabSize, nLayer, nHead, dModel, 4 * dModel, maxPositions, 1e-5, vocabSize - 1,
                vocabSize - 1);
    }

    /** A Llama shape (RMSNorm eps 1e-6, theta 10000, untied head, bos 1, eos 2 as in Llama-2). */
    static LlamaConfig llama(int vocabSize, int nLayer, int nHead, int nKvHead, int dModel, int dFf, int maxPositions) {
        return new LlamaConfig(vocabSize, nLayer, nHead, nKvHead, dModel, dModel / nHead, dFf, maxPositions, 1e-6,
                10000.0, false, 1, 2);
    }

    /** Reads {@code config.json} (a file, or a model folder containing one). */
    static ModelConfig fromJson(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        try {
            return ConfigFields.JSON.readValue(file.toFile(), ModelConfig.class);
        } catch (NoSuchFileException | FileNotFoundException e) {
            throw new ModelLoadException("config not found: " + file.toAbsolutePath());
        } catch (InvalidTypeIdException e) {
            throw new ModelLoadException("unsupported model_type \"" + (e.getTypeId() == null ? "" : e.getTypeId())
                    + "\" in " + file.toAbsolutePath() + "; supported: gpt2, llama");
        } catch (JsonMappingException e) {
            // a family's creator refused the values: its message names the field
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            String detail = cause == e ? e.getOriginalMessage() : cause.getMessage();
            throw new ModelLoadException("config " + file.toAbsolutePath() + ": " + detail, e);
        } catch (IOException e) {
            throw new ModelLoadException("cannot parse " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** The config as a Hugging Face {@code config.json} object (what {@link LanguageModel#fingerprint()} hashes). */
    default ObjectNode toJsonNode() {
        return ConfigFields.JSON.valueToTree(this);
    }

    /** Writes a {@code config.json} that Hugging Face {@code AutoConfig} and {@link #fromJson} read back. */
    default void toJson(Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            ConfigFields.JSON.writeValue(file.toFile(), toJsonNode());
        } catch (IOException e) {
            throw new ModelLoadException("cannot write " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }
}
