package io.metalprompt.gateway;

import java.time.Clock;
import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
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
 * Wires the plain-Java {@link TaskService}, {@link Authenticator} and {@link TenantQuotas} to their adapters and
 * settings; Redis and the task store come from service-common ({@link io.metalprompt.service.RedisBeans}).
 */
@ApplicationScoped
public class ServiceBeans {

    private static final Logger LOG = Logger.getLogger(ServiceBeans.class);
    /** Kafka's default {@code message.max.bytes} of a broker (a topic's {@code max.message.bytes}). */
    static final long KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

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
    Authenticator authenticator(GatewayConfig config, RedisConnector redis) {
        GatewayConfig.Auth auth = config.gateway().auth();
        Authenticator authenticator = new Authenticator(new ApiKeys(redis)::find, auth.bootstrapKey(), auth.bootstrapTenant());
        if (authenticator.bootstrapEnabled()) {
            LOG.warnf("the bootstrap API key (metal.gateway.auth.bootstrap-key) is accepted for tenant '%s': "
                    + "for development and tests only", auth.bootstrapTenant());
        }
        return authenticator;
    }

    @Produces
    @ApplicationScoped
    Idempotency idempotency(GatewayConfig config, RedisConnector redis) {
        GatewayConfig.Gateway g = config.gateway();
        // a reservation is renewed while its call runs, so its lease only bounds the wait after a gateway dies
        return new Idempotency(new RedisIdempotencyStore(redis), Idempotency.LEASE, g.retryAfter());
    }

    @Produces
    @ApplicationScoped
    @Startup   // the record bounds of the limits are logged (and warned about) at start
    TaskService taskService(GatewayConfig config, RedisConnector redis, TaskStore store, TaskIndex index,
                            TaskPrompts prompts, ExampleStore examples, Refinements refinements,
                            KafkaTaskEventPublisher publisher, KafkaInferenceClient inference, TenantQuotas quotas,
                            MeterRegistry registry) {
        GatewayConfig.Gateway g = config.gateway();
        Limits limits = Limits.of(g);
        long result = RecordSizes.worstResult(limits);
        long request = RecordSizes.worstRequest(limits);
        if (Math.max(result, request) > KAFKA_DEFAULT_MAX_MESSAGE_BYTES) {
            LOG.warnf("with these limits a prediction's Kafka records may take up to %d bytes (result) and %d bytes "
                    + "(request), more than Kafka's default max.message.bytes (%d): raise it on metal.inference-results "
                    + "and metal.inference-requests, or lower metal.gateway.max-scores-per-call, max-option-chars, "
                    + "max-inputs-per-call or max-input-chars", result, request, KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
        } else {
            LOG.infof("a prediction's Kafka records take at most %d bytes (result) and %d bytes (request)", result, request);
        }
        CachedDesigns designs = new CachedDesigns(new ServedDesigns(redis)::read, g.servedDesignsRefresh(), System::nanoTime);
        return new TaskService(Tasks.in(store, index, prompts, examples, refinements, designs), publisher, inference, quotas,
                new TaskService.Settings(limits, g.publishTimeout(), g.predictionTimeout(), g.retryAfter(),
                        g.quota().maxTasks(), g.quota().maxRefinements()),
                Clock.systemUTC(), TaskIds::next, Metering.in(new UsageStore(redis), store, registry));
    }
}
