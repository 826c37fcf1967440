package io.metalprompt.promptgen;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Every setting of the prompt-generator, under the {@code metal.} prefix (environment: {@code METAL_...}). */
@ConfigMapping(prefix = "metal")
public interface PromptGeneratorConfig {

    Redis redis();

    Model model();

    interface Redis {
        /** Redis server holding prompts and task metadata. Env: {@code METAL_REDIS_URL}. */
        @WithDefault("redis://127.0.0.1:16379")
        String url();

        /** Timeout of one Redis command (and of connecting). Env: {@code METAL_REDIS_TIMEOUT}. */
        @WithDefault("2s")
        Duration timeout();
    }

    interface Model {
        /** Base LM folder (Hugging Face layout). Env: {@code METAL_MODEL_BASE}. */
        @WithDefault("models/base-lm")
        String base();

        /** PGM folder ({@code pgm.json}, {@code adapter.safetensors}). Env: {@code METAL_MODEL_PGM}. */
        @WithDefault("models/pgm")
        String pgm();

        /** {@code cpu} or {@code gpu}. Env: {@code METAL_MODEL_DEVICE}. */
        @WithDefault("cpu")
        String device();

        /** {@code fp32}, or {@code fp16}/{@code bf16} on gpu. Env: {@code METAL_MODEL_DTYPE}. */
        @WithDefault("fp32")
        String dtype();
    }
}
