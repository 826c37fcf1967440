package io.metalprompt.worker;

import io.metalprompt.service.RedisSettings;
import io.metalprompt.service.model.ModelSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Every setting of the inference-worker, under the {@code metal.} prefix (environment: {@code METAL_...}). */
@ConfigMapping(prefix = "metal")
public interface WorkerConfig {

    /** {@code metal.redis.*}: the group every service shares. */
    RedisSettings redis();

    /** {@code metal.model.*}: the frozen target LM. */
    ModelSettings model();

    Serving serving();

    interface Serving {
        /** Bytes of task prefixes (prompt and XL keys/values) kept in memory. Env: {@code METAL_SERVING_CACHE_BYTES}. */
        @WithDefault("268435456")
        long cacheBytes();

        /** Most (query, option) rows in one forward pass. Env: {@code METAL_SERVING_MAX_ROWS}. */
        @WithDefault("256")
        int maxRows();
    }
}
