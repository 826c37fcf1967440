package io.metalprompt.worker;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Every setting of the inference-worker, under the {@code metal.} prefix (environment: {@code METAL_...}). */
@ConfigMapping(prefix = "metal")
public interface WorkerConfig {

    Redis redis();

    interface Redis {
        /** Redis server holding prompts and task metadata. Env: {@code METAL_REDIS_URL}. */
        @WithDefault("redis://127.0.0.1:16379")
        String url();

        /** Timeout of one Redis command (and of connecting). Env: {@code METAL_REDIS_TIMEOUT}. */
        @WithDefault("2s")
        Duration timeout();
    }
}
