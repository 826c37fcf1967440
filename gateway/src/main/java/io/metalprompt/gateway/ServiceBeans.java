package io.metalprompt.gateway;

import java.time.Clock;
import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import org.jboss.logging.Logger;

import io.metalprompt.events.TaskIds;
import io.metalprompt.store.ApiKeys;
import io.metalprompt.store.ExampleStore;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.Refinements;
import io.metalprompt.store.ServedDesigns;
import io.metalprompt.store.TaskIndex;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskStore;
import io.metalprompt.store.TenantLimits;
import io.metalprompt.store.UsageStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;

/**
 * Wires the plain-Java task use cases ({@link TaskService}, {@link TaskViews}, {@link VersionRequests},
 * {@link Predictions}, {@link UsageReports}), {@link Authenticator} (with its {@link ApiKeyCache} and
 * {@link KeyRevocations}) and {@link TenantQuotas} to their adapters and settings; Redis and the task stores come
 * from service-common ({@link io.metalprompt.service.RedisBeans}).
 */
@ApplicationScoped
public class ServiceBeans {

    private static final Logger LOG = Logger.getLogger(ServiceBeans.class);
    /** Kafka's default {@code message.max.bytes} of a broker (a topic's {@code max.message.bytes}). */
    static final long KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
    /** How often a gateway that could not subscribe to key revocations (Redis down at start) tries again. */
    static final Duration REVOCATIONS_RETRY = Duration.ofSeconds(5);

    @Produces
    @ApplicationScoped
    @Startup   // a bad quota setting fails the start, not the first call
    TenantQuotas quotas(GatewayConfig config, RedisConnector redis) {
        GatewayConfig.Gateway g = config.gateway();
        // a request counts as in progress until it ends, or for this long should this instance die before it does
        Duration lease = g.predictionTimeout().plus(g.publishTimeout()).plusSeconds(5);
        return new TenantQuotas(TenantQuotas.Settings.of(g.quota()), new RedisQuotaCounter(new TenantLimits(redis)), lease,
                g.retryAfter());
    }

    @Produces
    @ApplicationScoped
    @Startup   // a bad setting fails the start, not the first call
    FailedAuthentications failedAuthentications(GatewayConfig config) {
        return new FailedAuthentications(FailedAuthentications.Settings.of(config.gateway().auth()), System::nanoTime);
    }

    @Produces
    @ApplicationScoped
    @Startup   // a bad bootstrap key fails the start, not the first call
    Authenticator authenticator(GatewayConfig config, ApiKeyCache keys) {
        GatewayConfig.Auth auth = config.gateway().auth();
        Authenticator authenticator = new Authenticator(keys::find, auth.bootstrapKey(), auth.bootstrapTenant());
        if (authenticator.bootstrapEnabled()) {
            LOG.warnf("the bootstrap API key (metal.gateway.auth.bootstrap-key) is accepted for tenant '%s': "
                    + "for development and tests only", auth.bootstrapTenant());
        }
        return authenticator;
    }

    @Produces
    @ApplicationScoped
    ApiKeyCache apiKeyCache(GatewayConfig config, RedisConnector redis) {
        GatewayConfig.Auth auth = config.gateway().auth();
        return new ApiKeyCache(new ApiKeys(redis)::findByHash, auth.keyCacheTtl(), auth.keyCacheMax());
    }

    /** Subscribed at start, so revocations are heard before the first call; not at all when the cache keeps nothing. */
    @Produces
    @ApplicationScoped
    @Startup
    KeyRevocations keyRevocations(RedisConnector redis, ApiKeyCache keys) {
        KeyRevocations revocations = new KeyRevocations(redis, keys, REVOCATIONS_RETRY);
        if (keys.enabled()) {
            revocations.start();
        }
        return revocations;
    }

    void close(@Disposes KeyRevocations revocations) {
        revocations.close();
    }

    @Produces
    @ApplicationScoped
    Idempotency idempotency(GatewayConfig config, RedisConnector redis) {
        GatewayConfig.Gateway g = config.gateway();
        // a reservation is renewed while its call runs, so its lease only bounds the wait after a gateway dies
        return new Idempotency(new RedisIdempotencyStore(redis), Idempotency.LEASE, g.retryAfter());
    }

    /** The gateway's view of the task stores, the served designs read through a cache. */
    @Produces
    @ApplicationScoped
    Tasks tasks(GatewayConfig config, RedisConnector redis, TaskStore store, TaskIndex index, TaskPrompts prompts,
                ExampleStore examples, Refinements refinements) {
        CachedDesigns designs = new CachedDesigns(new ServedDesigns(redis)::read, config.gateway().servedDesignsRefresh(),
                System::nanoTime);
        return Tasks.in(store, index, prompts, examples, refinements, designs);
    }

    @Produces
    @ApplicationScoped
    Metering metering(RedisConnector redis, TaskStore store, MeterRegistry registry) {
        return Metering.in(new UsageStore(redis), store, registry);
    }

    private static TaskSettings settings(GatewayConfig config) {
        GatewayConfig.Gateway g = config.gateway();
        return new TaskSettings(Limits.of(g), g.publishTimeout(), g.predictionTimeout(), g.retryAfter(),
                g.quota().maxTasks(), g.quota().maxRefinements());
    }

    @Produces
    @ApplicationScoped
    @Startup   // the record bounds of the limits are logged (and warned about) at start
    TaskService taskService(GatewayConfig config, Tasks tasks, KafkaTaskEventPublisher publisher, TenantQuotas quotas,
                            ReadyTasks ready) {
        TaskSettings settings = settings(config);
        long result = RecordSizes.worstResult(settings.limits());
        long request = RecordSizes.worstRequest(settings.limits());
        if (Math.max(result, request) > KAFKA_DEFAULT_MAX_MESSAGE_BYTES) {
            LOG.warnf("with these limits a prediction's Kafka records may take up to %d bytes (result) and %d bytes "
                    + "(request), more than Kafka's default max.message.bytes (%d): raise it on metal.inference-results "
                    + "and metal.inference-requests, or lower metal.gateway.max-scores-per-call, max-option-chars, "
                    + "max-inputs-per-call or max-input-chars", result, request, KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
        } else {
            LOG.infof("a prediction's Kafka records take at most %d bytes (result) and %d bytes (request)", result, request);
        }
        return new TaskService(tasks, ready, publisher, quotas, settings, Clock.systemUTC(), TaskIds::next);
    }

    @Produces
    @ApplicationScoped
    ReadyTasks readyTasks(GatewayConfig config) {
        return new ReadyTasks(config.gateway().readyTasksTtl(), config.gateway().readyTasksMax());
    }

    @Produces
    @ApplicationScoped
    TaskViews taskViews(Tasks tasks, TenantQuotas quotas) {
        return new TaskViews(tasks, quotas, Clock.systemUTC());
    }

    @Produces
    @ApplicationScoped
    VersionRequests versionRequests(GatewayConfig config, Tasks tasks, KafkaTaskEventPublisher publisher,
                                    TenantQuotas quotas) {
        return new VersionRequests(tasks, publisher, quotas, settings(config), Clock.systemUTC());
    }

    @Produces
    @ApplicationScoped
    Predictions predictions(GatewayConfig config, Tasks tasks, ReadyTasks ready, KafkaInferenceClient inference,
                            TenantQuotas quotas, Metering metering) {
        return new Predictions(tasks, ready, inference, quotas, settings(config), Clock.systemUTC(), TaskIds::next,
                metering);
    }

    @Produces
    @ApplicationScoped
    UsageReports usageReports(Tasks tasks, Metering metering, TenantQuotas quotas) {
        return new UsageReports(tasks, metering, quotas, Clock.systemUTC());
    }
}
