package io.metalprompt.worker;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Every setting of the inference-worker, under the {@code metal.} prefix (environment: {@code METAL_...}). */
@ConfigMapping(prefix = "metal")
public interface WorkerConfig {

    Redis redis();

    Model model();

    Serving serving();

    interface Redis {
        /** Redis server holding prompts and task metadata. Env: {@code METAL_REDIS_URL}. */
        @WithDefault("redis://127.0.0.1:16379")
        String url();

        /** Timeout of one Redis command (and of connecting). Env: {@code METAL_REDIS_TIMEOUT}. */
        @WithDefault("2s")
        Duration timeout();
    }

    interface Model {
        /** Frozen target LM folder (Hugging Face layout). Env: {@code METAL_MODEL_BASE}. */
        @WithDefault("models/base-lm")
        String base();

        /** {@code cpu} or {@code gpu}. Env: {@code METAL_MODEL_DEVICE}. */
        @WithDefault("cpu")
        String device();

        /** {@code fp32}, or {@code fp16}/{@code bf16} on gpu. Env: {@code METAL_MODEL_DTYPE}. */
        @WithDefault("fp32")
        String dtype();
    }

    interface Serving {
        /** Bytes of task prefixes (prompt and XL keys/values) kept in memory. Env: {@code METAL_SERVING_CACHE_BYTES}. */
        @WithDefault("268435456")
        long cacheBytes();

        /** Most (query, option) rows in one forward pass. Env: {@code METAL_SERVING_MAX_ROWS}. */
        @WithDefault("256")
        int maxRows();
    }
}
