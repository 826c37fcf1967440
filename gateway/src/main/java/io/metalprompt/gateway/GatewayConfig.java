package io.metalprompt.gateway;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Every setting of the gateway, under the {@code metal.} prefix (environment: {@code METAL_...}). */
@ConfigMapping(prefix = "metal")
public interface GatewayConfig {

    Redis redis();

    Gateway gateway();

    interface Redis {
        /** Redis server holding prompts and task metadata. Env: {@code METAL_REDIS_URL}. */
        @WithDefault("redis://127.0.0.1:16379")
        String url();

        /** Timeout of one Redis command (and of connecting). Env: {@code METAL_REDIS_TIMEOUT}. */
        @WithDefault("2s")
        Duration timeout();
    }

    interface Gateway {
        /** Most examples one task may register. Env: {@code METAL_GATEWAY_MAX_EXAMPLES_PER_TASK}. */
        @WithDefault("256")
        int maxExamplesPerTask();

        /** Longest example input, example output or prediction input, in characters. Env: {@code METAL_GATEWAY_MAX_INPUT_CHARS}. */
        @WithDefault("2000")
        int maxInputChars();

        /** Most inputs one prediction call may carry. Env: {@code METAL_GATEWAY_MAX_INPUTS_PER_CALL}. */
        @WithDefault("64")
        int maxInputsPerCall();

        /**
         * How long a prediction call waits for the worker's result before answering 504.
         * Keep it below {@code mp.messaging.outgoing.inference-requests.reply.timeout} (35000 ms).
         * Env: {@code METAL_GATEWAY_PREDICTION_TIMEOUT}.
         */
        @WithDefault("30s")
        Duration predictionTimeout();

        /** How long a registration or deletion waits for Kafka to acknowledge its event before answering 503. Env: {@code METAL_GATEWAY_PUBLISH_TIMEOUT}. */
        @WithDefault("10s")
        Duration publishTimeout();

        /** The {@code Retry-After} (seconds) sent with 503/504 answers and with 409 for a pending task. Env: {@code METAL_GATEWAY_RETRY_AFTER}. */
        @WithDefault("5")
        int retryAfter();
    }
}
