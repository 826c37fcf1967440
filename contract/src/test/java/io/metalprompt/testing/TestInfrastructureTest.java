package io.metalprompt.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.metalprompt.events.Topics;

class TestInfrastructureTest {

    @Test
    void topicListMatchesTheTopicsEveryServiceUses() {
        Set<String> conf = TopicsConf.read(TopicsConf.defaultPath()).stream()
                .map(TopicsConf.Spec::name).collect(Collectors.toSet());
        assertEquals(new HashSet<>(Topics.all()), conf);
    }

    @Test
    void kafkaCarriesARecordOnAnExplicitlyCreatedTopic() throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap());
        try (Admin client = Admin.create(admin)) {
            assertTrue(client.listTopics().names().get().containsAll(Topics.all()), "topics of deploy/topics.conf exist");
            int partitions = client.describeTopics(List.of(Topics.INFERENCE_REQUESTS)).allTopicNames().get()
                    .get(Topics.INFERENCE_REQUESTS).partitions().size();
            assertEquals(6, partitions);
        }

        String key = "task-" + UUID.randomUUID();
        Properties producer = new Properties();
        producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap());
        producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> p = new KafkaProducer<>(producer)) {
            p.send(new ProducerRecord<>(Topics.MODEL_EVENTS, key, "hello")).get();
        }

        Properties consumer = new Properties();
        consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrap());
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, "infra-test-" + UUID.randomUUID());
        consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumer.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumer.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumer)) {
            c.subscribe(List.of(Topics.MODEL_EVENTS));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            String value = null;
            while (value == null && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
                    if (key.equals(r.key())) {
                        value = r.value();
                    }
                }
            }
            assertEquals("hello", value);
        }
    }

    @Test
    void redisStoresAndReturnsAValue() {
        RedisClient client = RedisClient.create(TestInfrastructure.get().redisUrl());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            String key = "infra-test:" + UUID.randomUUID();
            connection.sync().set(key, "value");
            assertEquals("value", connection.sync().get(key));
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aPortIsHandedOutOncePerJvm() {
        // 500 draws from the ~22,000 ports below the ephemeral range repeat one almost surely (birthday bound)
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int i = 0; i < 500; i++) {
            int port = TestInfrastructure.freePort();
            org.junit.jupiter.api.Assertions.assertTrue(seen.add(port), "port " + port + " handed out twice");
        }
    }
}
