package io.metalprompt.gateway;

import java.time.Duration;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.metalprompt.events.Topics;
import io.metalprompt.service.kafka.KafkaClientSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;

/**
 * Runs the {@link ReplyConsumer} on a thread of its own from start-up to shut-down, its client's metrics in the
 * registry. Its settings: {@code kafka.*} for the connection, {@code metal.kafka.replies.*} its own; the values are
 * strings, and offsets are never committed (the group is this instance's alone and starts from the end). Ready once
 * the consumer has had partitions: a prediction sent before could not hear its reply.
 */
@Readiness
@ApplicationScoped
public class ReplyConsumerService implements HealthCheck {

    @Inject
    GatewayConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    PendingReplies pending;

    @Inject
    MeterRegistry registry;

    @Inject
    Tracer tracer;

    @Inject
    OpenTelemetry openTelemetry;

    private ReplyConsumer loop;
    private Thread thread;

    void start(@Observes StartupEvent event) {
        Map<String, Object> settings = KafkaClientSettings.merged(kafka, config.kafka().replies(),
                ConsumerConfig.configNames());
        settings.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        settings.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaClientSettings.require(settings, ConsumerConfig.GROUP_ID_CONFIG, "metal.kafka.replies.");
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(settings);
        new KafkaClientMetrics(consumer).bindTo(registry);
        loop = new ReplyConsumer(consumer, Topics.INFERENCE_RESULTS, pending, tracer,
                openTelemetry.getPropagators().getTextMapPropagator());
        thread = new Thread(loop, "metal-gateway-replies");
        thread.setDaemon(true);
        thread.start();
    }

    /** Whether the reply consumer has had partitions (it then hears every reply written). */
    public boolean assigned() {
        return loop != null && loop.assigned();
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("replies").status(assigned() && thread.isAlive()).build();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        if (loop != null) {
            loop.close();
            thread.join(Duration.ofSeconds(10).toMillis());
        }
    }
}
