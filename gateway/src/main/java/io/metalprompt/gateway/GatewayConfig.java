package io.metalprompt.gateway;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.metalprompt.service.ServiceConfig;
import io.quarkus.runtime.configuration.MemorySize;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Every setting of the gateway, under the {@code metal.} prefix (environment: {@code METAL_...}); {@code redis()} comes
 * from {@link ServiceConfig}.
 */
@ConfigMapping(prefix = "metal")
public interface GatewayConfig extends ServiceConfig {

    Gateway gateway();

    Kafka kafka();

    /** Settings of the gateway's plain Kafka clients, by Kafka's names (bootstrap and security: {@code kafka.*}). */
    interface Kafka {
        /** The reply consumer's ({@link ReplyConsumer}), e.g. {@code metal.kafka.replies.group.id}. */
        Map<String, String> replies();

        /** The inference-request producer's ({@link RequestProducer}), e.g. {@code metal.kafka.requests.linger.ms}. */
        Map<String, String> requests();
    }

    interface Gateway {
        /**
         * The Content-Security-Policy of everything under {@code /console/} (set in application.properties, which the
         * console's browser tests read). Env: {@code METAL_GATEWAY_CONSOLE_POLICY}.
         */
        String consolePolicy();

        /** Most examples one task may register. Env: {@code METAL_GATEWAY_MAX_EXAMPLES_PER_TASK}. */
        @WithDefault("256")
        int maxExamplesPerTask();

        /** Longest example input or prediction input, in characters (outputs: {@link #maxOptionChars()}). Env: {@code METAL_GATEWAY_MAX_INPUT_CHARS}. */
        @WithDefault("2000")
        int maxInputChars();

        /** Most inputs one prediction call may carry. Env: {@code METAL_GATEWAY_MAX_INPUTS_PER_CALL}. */
        @WithDefault("64")
        int maxInputsPerCall();

        /**
         * Most options one task may have (listed, or the distinct example outputs).
         * Env: {@code METAL_GATEWAY_MAX_OPTIONS_PER_TASK}.
         */
        @WithDefault("32")
        int maxOptionsPerTask();

        /** Longest option (and so example output), in characters. Env: {@code METAL_GATEWAY_MAX_OPTION_CHARS}. */
        @WithDefault("100")
        int maxOptionChars();

        /**
         * Most scores one prediction call may ask for: its inputs times the task's options (each input's result
         * carries a score per option, and a result must fit one Kafka record, {@link RecordSizes}).
         * Env: {@code METAL_GATEWAY_MAX_SCORES_PER_CALL}.
         */
        @WithDefault("1024")
        int maxScoresPerCall();

        /**
         * Largest registration as the {@code TaskRegistered} record it becomes on Kafka (keep it below the
         * {@code max.message.bytes} of {@code metal.task-registrations}). Env: {@code METAL_GATEWAY_MAX_REGISTRATION_SIZE}.
         */
        @WithDefault("768K")
        MemorySize maxRegistrationSize();

        /**
         * How long a prediction call waits for the worker's result before answering 504; also how long shutdown
         * waits for the results of calls still in flight.
         * Env: {@code METAL_GATEWAY_PREDICTION_TIMEOUT}.
         */
        @WithDefault("30s")
        Duration predictionTimeout();

        /**
         * How long a prediction may use a ready task as read before (no Redis read on its request thread); the worker
         * still reads the task for every batch, so a task deleted or failed meanwhile gets the worker's 404 or 409
         * ({@link ReadyTasks}). Zero reads it for every prediction. Env: {@code METAL_GATEWAY_READY_TASKS_TTL}.
         */
        @WithDefault("5s")
        Duration readyTasksTtl();

        /** At most this many ready tasks are remembered ({@link #readyTasksTtl}). Env: {@code METAL_GATEWAY_READY_TASKS_MAX}. */
        @WithDefault("10000")
        int readyTasksMax();

        /** How long a registration or deletion waits for Kafka to acknowledge its event before answering 503. Env: {@code METAL_GATEWAY_PUBLISH_TIMEOUT}. */
        @WithDefault("10s")
        Duration publishTimeout();

        /** The {@code Retry-After} (seconds) sent with 503/504 answers, with 409 for a pending task and with 429 for the task quota. Env: {@code METAL_GATEWAY_RETRY_AFTER}. */
        @WithDefault("5")
        int retryAfter();

        /**
         * Largest request body (e.g. {@code 2M}, {@code 512K}); larger: 413, checked against {@code Content-Length}
         * before any other handler and counted while a chunked body is read. Keep it below
         * {@code quarkus.http.limits.max-body-size} (10M). Env: {@code METAL_GATEWAY_MAX_BODY_SIZE}.
         */
        @WithDefault("2M")
        MemorySize maxBodySize();

        /**
         * Longest request target (path and query), in characters; longer: 414. Keep it below
         * {@code quarkus.http.limits.max-initial-line-length} (64K here), where the HTTP server itself refuses the
         * request with a bare 414. Env: {@code METAL_GATEWAY_MAX_URI_LENGTH}.
         */
        @WithDefault("4096")
        int maxUriLength();

        /**
         * Largest total size of a request's header fields; larger: 431. Keep it below
         * {@code quarkus.http.limits.max-header-size} (128K here), where the HTTP server itself refuses the request with
         * a bare 431. Env: {@code METAL_GATEWAY_MAX_HEADER_SIZE}.
         */
        @WithDefault("20K")
        MemorySize maxHeaderSize();

        /**
         * How long the designs the prompt-generators serve ({@code metal:designs}) are kept before Redis is read
         * again; a registration of a design none serves is a 422. Env: {@code METAL_GATEWAY_SERVED_DESIGNS_REFRESH}.
         */
        @WithDefault("5s")
        Duration servedDesignsRefresh();

        /** Who may call the API. */
        Auth auth();

        /** What each tenant may use; 0 turns a limit off. */
        Quota quota();
    }

    interface Auth {
        /**
         * A key accepted besides the keys in Redis, for development and tests only (e.g. a demo without the CLI):
         * at least 20 characters; unset in production. Env: {@code METAL_GATEWAY_AUTH_BOOTSTRAP_KEY}.
         */
        Optional<String> bootstrapKey();

        /** The tenant the bootstrap key acts for. Env: {@code METAL_GATEWAY_AUTH_BOOTSTRAP_TENANT}. */
        @WithDefault("dev")
        String bootstrapTenant();

        /**
         * Failed authentications a client address may make at once before it is refused (429) until the refill
         * below gives it another. Env: {@code METAL_GATEWAY_AUTH_FAILURE_BURST}.
         */
        @WithDefault("20")
        int failureBurst();

        /**
         * Failed authentications per minute a client address gets back (token-bucket refill, counted per gateway
         * instance); 0 = no limit. Behind a proxy, let the gateway see client addresses
         * ({@code quarkus.http.proxy.proxy-address-forwarding}), or every client shares the proxy's.
         * Env: {@code METAL_GATEWAY_AUTH_FAILURES_PER_MINUTE}.
         */
        @WithDefault("10")
        double failuresPerMinute();

        /**
         * How long a key's record read from Redis is used for later calls ({@link ApiKeyCache}); a revocation reaches
         * every gateway at once through Redis pub/sub, and within this time one that was disconnected from Redis when
         * it was sent. Zero reads the key for every call. Env: {@code METAL_GATEWAY_AUTH_KEY_CACHE_TTL}.
         */
        @WithDefault("5s")
        Duration keyCacheTtl();

        /** At most this many key records are remembered ({@link #keyCacheTtl}). Env: {@code METAL_GATEWAY_AUTH_KEY_CACHE_MAX}. */
        @WithDefault("10000")
        int keyCacheMax();
    }

    /**
     * Per-tenant quotas. The task quota is kept in Redis (one count for every gateway instance); the request rate and
     * the concurrent requests are counted in memory by each gateway instance, so with N instances behind a load
     * balancer a tenant may reach up to N times these two.
     */
    interface Quota {
        /** Most tasks a tenant may keep (registered and not deleted); more: 429. Env: {@code METAL_GATEWAY_QUOTA_MAX_TASKS}. */
        @WithDefault("1000")
        int maxTasks();

        /**
         * Background refinements a tenant may have queued or running at once (counted in Redis for all instances);
         * more: 429. Env: {@code METAL_GATEWAY_QUOTA_MAX_REFINEMENTS}.
         */
        @WithDefault("2")
        int maxRefinements();

        /** Sustained requests per second per tenant (token bucket refill rate); more: 429. Env: {@code METAL_GATEWAY_QUOTA_REQUESTS_PER_SECOND}. */
        @WithDefault("20")
        double requestsPerSecond();

        /** Requests a tenant may send at once above the rate (token bucket size). Env: {@code METAL_GATEWAY_QUOTA_BURST}. */
        @WithDefault("40")
        int burst();

        /** Requests of one tenant in progress at the same time (a prediction counts until its answer); more: 429. Env: {@code METAL_GATEWAY_QUOTA_MAX_CONCURRENT_REQUESTS}. */
        @WithDefault("8")
        int maxConcurrentRequests();
    }
}
