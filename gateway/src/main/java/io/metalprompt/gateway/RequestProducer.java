package io.metalprompt.gateway;

import java.time.Duration;
import java.util.Map;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.metalprompt.service.kafka.KafkaClientSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;

/**
 * The plain Kafka producer that writes inference requests, called on the request's own thread. Not a channel: an
 * emitter hands every record through Mutiny and context propagation to a sending thread of its own: 17 % of the
 * gateway's request-thread Java samples in a JFR profile at 32 clients, and one more thread hand-off per request
 * (ServingBench, issue 18; docs/benchmarks.md). Its
 * settings: {@code kafka.*} for the connection, {@code metal.kafka.requests.*} its own (Kafka's names); a send waits
 * for missing topic metadata at most {@code max.block.ms}, by default the prediction timeout.
 */
@ApplicationScoped
@Startup   // made at start: a bad setting fails the start, and the first prediction does not wait for the client
public class RequestProducer {

    @Inject
    GatewayConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    MeterRegistry registry;

    private Producer<String, byte[]> producer;
    private KafkaClientMetrics metrics;

    @PostConstruct
    void start() {
        producer = new KafkaProducer<>(settings(kafka, config.kafka().requests(), config.gateway().predictionTimeout()));
        metrics = new KafkaClientMetrics(producer);
        metrics.bindTo(registry);
    }

    /** The producer's settings: the connection's, then its own, serializers fixed, {@code max.block.ms} bounded. */
    static Map<String, Object> settings(Map<String, Object> connection, Map<String, String> own,
                                        Duration predictionTimeout) {
        Map<String, Object> settings = KafkaClientSettings.merged(connection, own, ProducerConfig.configNames());
        settings.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        settings.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        settings.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(predictionTimeout.toMillis()));
        return settings;
    }

    /** Hands {@code record} to the producer; {@code done} hears its acknowledgement or failure. */
    public void send(ProducerRecord<String, byte[]> record, Callback done) {
        producer.send(record, done);
    }

    @PreDestroy
    void stop() {
        if (metrics != null) {
            metrics.close();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
        }
    }
}
