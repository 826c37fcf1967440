package io.metalprompt.worker;

import io.metalprompt.service.ServiceConfig;
import io.metalprompt.service.model.ModelServiceConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Every setting of the inference-worker, under the {@code metal.} prefix (environment: {@code METAL_...});
 * {@code redis()} and {@code model()} (the frozen target LM) come from {@link ServiceConfig} and {@link ModelServiceConfig}.
 */
@ConfigMapping(prefix = "metal")
public interface WorkerConfig extends ServiceConfig, ModelServiceConfig {

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
