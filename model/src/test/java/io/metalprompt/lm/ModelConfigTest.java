package io.metalprompt.lm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigTest {
    @TempDir
    Path tmp;

    @Test
    void readsGpt2Fixture() {
        ModelConfig c = ModelConfig.fromJson(LmFixtures.gpt2().resolve("config.json"));
        assertEquals(new Gpt2Config(320, 2, 4, 64, 256, 256, 1e-5, 0, 0), c);
    }

    @Test
    void readsLlamaFixtureWithNestedRopeTheta() {
        ModelConfig c = ModelConfig.fromJson(LmFixtures.llama());
        assertEquals(new LlamaConfig(320, 2, 4, 2, 64, 16, 160, 256, 1e-6, 10000.0, false, 0, 0), c);
        assertEquals(2, c.groupSize());
    }

    @Test
    void readsTopLevelRopeThetaAndDefaultHeadDim() throws IOException {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, "{\"model_type\":\"llama\",\"vocab_size\":100,\"hidden_size\":32,\"num_hidden_layers\":1,"
                + "\"num_attention_heads\":4,\"intermediate_size\":64,\"max_position_embeddings\":64,"
                + "\"rope_theta\":500000.0,\"tie_word_embeddings\":true,\"eos_token_id\":[2,3]}");
        ModelConfig c = ModelConfig.fromJson(f);
        assertEquals(500000.0, ((LlamaConfig) c).ropeTheta());
        assertEquals(8, c.headDim());
        assertEquals(4, c.nKvHead());
        assertTrue(c.tiedHead());
        assertEquals(2, c.eosId());
        assertEquals(-1, c.bosId());
    }

    @Test
    void gpt2NInnerNullMeansFourTimesWidth() throws IOException {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, "{\"model_type\":\"gpt2\",\"vocab_size\":50,\"n_embd\":24,\"n_head\":3,\"n_layer\":1,"
                + "\"n_positions\":32,\"n_inner\":null}");
        assertEquals(96, ModelConfig.fromJson(f).dFf());
    }

    @Test
    void toJsonRoundTrips() {
        for (ModelConfig c : new ModelConfig[] {ModelConfig.gpt2(500, 4, 4, 128, 256),
            ModelConfig.llama(500, 2, 8, 2, 64, 172, 128), ModelConfig.fromJson(LmFixtures.llama())}) {
            Path f = tmp.resolve(c.family() + "-" + c.dModel() + ".json");
            c.toJson(f);
            assertEquals(c, ModelConfig.fromJson(f));
        }
    }

    @Test
    void clearErrors() throws IOException {
        ModelLoadException missing = assertThrows(ModelLoadException.class,
                () -> ModelConfig.fromJson(tmp.resolve("absent.json")));
        assertTrue(missing.getMessage().contains("absent.json"), missing.getMessage());
        Path f = tmp.resolve("bert.json");
        Files.writeString(f, "{\"model_type\":\"bert\"}");
        ModelLoadException bert = assertThrows(ModelLoadException.class, () -> ModelConfig.fromJson(f));
        assertTrue(bert.getMessage().contains("\"bert\"") && bert.getMessage().contains("gpt2, llama"),
                bert.getMessage());
        Path g = tmp.resolve("gpt2.json");
        Files.writeString(g, "{\"model_type\":\"gpt2\",\"n_embd\":24}");
        ModelLoadException field = assertThrows(ModelLoadException.class, () -> ModelConfig.fromJson(g));
        assertTrue(field.getMessage().contains("n_head"), field.getMessage());
    }

    /** The exact {@code config.json} text a model's fingerprint hashes (shipped PGMs record fingerprints of it). */
    @Test
    void writesConfigJsonFieldForFieldAsHuggingFaceNamesThem() {
        assertEquals("{\"architectures\":[\"GPT2LMHeadModel\"],\"model_type\":\"gpt2\",\"activation_function\":"
                + "\"gelu_new\",\"vocab_size\":500,\"n_layer\":4,\"n_head\":4,\"n_embd\":128,\"n_inner\":512,"
                + "\"n_positions\":256,\"layer_norm_epsilon\":1.0E-5,\"scale_attn_weights\":true,\"attn_pdrop\":0.0,"
                + "\"embd_pdrop\":0.0,\"resid_pdrop\":0.0,\"tie_word_embeddings\":true,\"bos_token_id\":499,"
                + "\"eos_token_id\":499,\"torch_dtype\":\"float32\"}",
                ModelConfig.gpt2(500, 4, 4, 128, 256).toJsonNode().toString());
        assertEquals("{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\",\"hidden_act\":\"silu\","
                + "\"vocab_size\":500,\"num_hidden_layers\":2,\"num_attention_heads\":8,\"num_key_value_heads\":2,"
                + "\"hidden_size\":64,\"head_dim\":8,\"intermediate_size\":172,\"max_position_embeddings\":128,"
                + "\"rms_norm_eps\":1.0E-6,\"rope_theta\":10000.0,\"rope_parameters\":{\"rope_type\":\"default\","
                + "\"rope_theta\":10000.0},\"attention_bias\":false,\"mlp_bias\":false,\"tie_word_embeddings\":false,"
                + "\"bos_token_id\":1,\"eos_token_id\":2,\"torch_dtype\":\"float32\"}",
                ModelConfig.llama(500, 2, 8, 2, 64, 172, 128).toJsonNode().toString());
        String noIds = new Gpt2Config(20, 1, 2, 16, 64, 32, 1e-5, -1, -1).toJsonNode().toString();
        assertTrue(noIds.endsWith("\"tie_word_embeddings\":true,\"torch_dtype\":\"float32\"}"), noIds);
    }

    @Test
    void eachFamilyRecordRoundTripsThroughJacksonAsItsOwnType() throws IOException {
        for (ModelConfig c : new ModelConfig[] {new Gpt2Config(50, 1, 3, 24, 80, 32, 1e-4, 7, -1),
            new LlamaConfig(60, 3, 6, 2, 48, 12, 100, 64, 1e-5, 500000.0, true, -1, 5)}) {
            String json = ConfigFields.JSON.writeValueAsString(c);
            ModelConfig back = ConfigFields.JSON.readValue(json, ModelConfig.class);
            assertEquals(c.getClass(), back.getClass(), json);
            assertEquals(c, back, json);
        }
    }
}
