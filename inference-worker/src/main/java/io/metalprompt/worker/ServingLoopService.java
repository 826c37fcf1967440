package io.metalprompt.worker;

import java.time.Duration;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

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
 * Runs the {@link ServingLoop} on a thread of its own from start-up to shut-down (a shut-down finishes and commits the
 * batch being served, then leaves the group so its partitions move at once), with the clients' metrics in the
 * registry (consumer lag among them: docs/observability.md). Ready while the loop runs with a started producer.
 */
@Readiness
@ApplicationScoped
public class ServingLoopService implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(ServingLoopService.class);

    @Inject
    WorkerConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    BatchHandler handler;

    @Inject
    ServingMetrics metrics;

    @Inject
    @Liveness   // a health check's qualifier
    ResultsProducerHealth health;

    @Inject
    MeterRegistry registry;

    @Inject
    Tracer tracer;

    @Inject
    OpenTelemetry openTelemetry;

    private ServingLoop loop;
    private Thread thread;

    void start(@Observes StartupEvent event) {
        Map<String, Object> consumerSettings = ServingKafkaClients.consumer(kafka, config.kafka().requests());
        Map<String, Object> producerSettings = ServingKafkaClients.producer(kafka, config.kafka().results());
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerSettings);
        new KafkaClientMetrics(consumer).bindTo(registry);
        ServingLoop.Settings settings = new ServingLoop.Settings(Duration.ofSeconds(1), config.serving().batchWindow(),
                KafkaClientSettings.intSetting(consumerSettings, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500),
                Duration.ofSeconds(1), config.serving().commitInterval());
        ServingLoop.Listener listener = new ServingLoop.Listener() {
            @Override
            public void committed(long nanos) {
                metrics.committed(nanos);
                health.committed();
            }

            @Override
            public void failed(Throwable failure) {
                health.failed(failure);
            }
        };
        loop = new ServingLoop(consumer, () -> {
            Producer<byte[], byte[]> producer = new KafkaProducer<>(producerSettings);
            new KafkaClientMetrics(producer).bindTo(registry);
            return producer;
        }, Topics.INFERENCE_REQUESTS, handler::handle,
                new RecordTracing(tracer, openTelemetry.getPropagators().getTextMapPropagator()), listener, settings,
                System::nanoTime);
        thread = new Thread(this::runLoop, "metal-serving-loop");
        thread.start();
    }

    private void runLoop() {
        try {
            loop.run();
        } catch (RuntimeException | Error e) {
            LOG.errorf(e, "the serving loop stopped");
            health.stopped(e);
            throw e;
        }
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        if (loop != null) {
            loop.close();
            thread.join(Duration.ofSeconds(30).toMillis());
        }
    }

    @Override
    public HealthCheckResponse call() {
        boolean up = loop != null && thread.isAlive() && loop.ready();
        return HealthCheckResponse.named("serving-loop").status(up).build();
    }
}
