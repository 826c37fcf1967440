package io.metalprompt.worker;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.metalprompt.service.kafka.KafkaClientSettings;

/**
 * The settings of the serving loop's Kafka clients: the service's connection settings ({@code kafka.*}: bootstrap,
 * security), then the consumer's ({@value #CONSUMER}{@code *}) or the producer's ({@value #PRODUCER}{@code *}) own
 * ({@link WorkerConfig.Kafka}: Kafka's names; environment {@code METAL_KAFKA_REQUESTS_...} overrides a key
 * application.properties names), then what the loop needs and nothing may change: bytes in and out, no auto-commit (offsets go into each
 * batch's transaction), {@code read_committed}, a transactional and idempotent producer.
 */
final class ServingKafkaClients {

    static final String CONSUMER = "metal.kafka.requests.";
    static final String PRODUCER = "metal.kafka.results.";

    private ServingKafkaClients() {
    }

    static Map<String, Object> consumer(Map<String, Object> kafka, Map<String, String> own) {
        Map<String, Object> settings = KafkaClientSettings.merged(kafka, own, ConsumerConfig.configNames());
        settings.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        settings.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaClientSettings.require(settings, ConsumerConfig.GROUP_ID_CONFIG, CONSUMER);
        return settings;
    }

    static Map<String, Object> producer(Map<String, Object> kafka, Map<String, String> own) {
        Map<String, Object> settings = KafkaClientSettings.merged(kafka, own, ProducerConfig.configNames());
        settings.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        settings.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        KafkaClientSettings.require(settings, ProducerConfig.TRANSACTIONAL_ID_CONFIG, PRODUCER);
        return settings;
    }
}
