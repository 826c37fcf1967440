package io.metalprompt.worker;

import java.time.Duration;
import java.util.List;
import java.util.Map;

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

    Replies replies();

    Kafka kafka();

    /**
     * The serving loop's own Kafka client settings, by Kafka's names (connection settings such as bootstrap and
     * security come from {@code kafka.*}; {@link ServingKafkaClients} says what the loop fixes).
     */
    interface Kafka {
        /** The requests consumer's, e.g. {@code metal.kafka.requests.max.poll.records}. */
        Map<String, String> requests();

        /** The results producer's, e.g. {@code metal.kafka.results.transactional.id}. */
        Map<String, String> results();
    }

    interface Serving {
        /** Bytes of task prefixes (prompt and XL keys/values) kept in memory. Env: {@code METAL_SERVING_CACHE_BYTES}. */
        @WithDefault("268435456")
        long cacheBytes();

        /** Most (query, option) rows in one forward pass. Env: {@code METAL_SERVING_MAX_ROWS}. */
        @WithDefault("256")
        int maxRows();

        /**
         * Most inputs in one request; more is answered {@code INVALID} (the gateway's own limit is
         * {@code metal.gateway.max-inputs-per-call}). Env: {@code METAL_SERVING_MAX_INPUTS_PER_REQUEST}.
         */
        @WithDefault("64")
        int maxInputsPerRequest();

        /**
         * Longest input in characters (UTF-16 units, as the gateway's {@code metal.gateway.max-input-chars} counts);
         * a longer one is answered {@code INVALID} before it is tokenized, so that an internal producer cannot make the
         * worker tokenize megabytes inside a batch other tenants wait on. Env: {@code METAL_SERVING_MAX_INPUT_CHARS}.
         */
        @WithDefault("2000")
        int maxInputChars();

        /**
         * When a poll finds request records already waiting (the worker is behind), the longest extra poll that adds
         * what is still arriving to the same batch; an idle worker never waits. Zero turns it off.
         * Env: {@code METAL_SERVING_BATCH_WINDOW}.
         */
        @WithDefault("2ms")
        Duration batchWindow();

        /**
         * How long one results transaction takes more served batches: each batch's replies are sent into it at once,
         * and it commits once this old. Longer means fewer commits (each costs the broker several requests, whatever
         * it holds) but later visibility to {@code read_committed} readers and more answered again after a crash;
         * zero commits every batch at once. Env: {@code METAL_SERVING_COMMIT_INTERVAL}.
         */
        @WithDefault("50ms")
        Duration commitInterval();
    }

    /** Where replies may go and how large they may be (docs/architecture.md, "Request-reply headers"). */
    interface Replies {
        /**
         * The topics a request's {@code REPLY_TOPIC} may name; a request naming another goes to the dead-letter topic.
         * Env: {@code METAL_REPLIES_ALLOWED_TOPICS} (comma-separated).
         */
        @WithDefault("metal.inference-results")
        List<String> allowedTopics();

        /**
         * Most bytes of a reply's value; a larger result is answered {@code INVALID} instead. The reply topic's
         * {@code max.message.bytes} (less the record's key and headers) lowers it further when the worker may read
         * it. Keep it below the producer's {@code max.request.size} (1 MiB). Env: {@code METAL_REPLIES_MAX_BYTES}.
         */
        @WithDefault("1000000")
        int maxBytes();

        /**
         * How long the worker waits for the broker to describe a reply topic (exists, partitions, write right,
         * {@code max.message.bytes}); answers are kept for 30 s. Env: {@code METAL_REPLIES_METADATA_TIMEOUT}.
         */
        @WithDefault("5s")
        Duration metadataTimeout();
    }
}
