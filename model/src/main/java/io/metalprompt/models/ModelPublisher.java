package io.metalprompt.models;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Events;
import io.metalprompt.events.InvalidRecordException;
import io.metalprompt.events.ModelPublished;
import io.metalprompt.events.Topics;

/**
 * Publishes store versions on {@link Topics#MODEL_EVENTS} (compacted, key = base-model fingerprint, so the
 * topic keeps the latest {@link ModelPublished} of each base: the version that base's services serve), and reads
 * that latest event back. Publishing an older version again is how a rollback is done.
 */
public final class ModelPublisher implements AutoCloseable {

    private final Map<String, Object> config;
    private final Duration timeout;
    private KafkaProducer<String, String> producer;

    /**
     * {@code bootstrap}: Kafka bootstrap servers; {@code extra}: further client settings (security, for example),
     * given to the producer and the consumer; {@code timeout}: how long to wait for the broker.
     */
    public ModelPublisher(String bootstrap, Map<String, String> extra, Duration timeout) {
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new IllegalArgumentException("no Kafka bootstrap servers given (set --kafka or KAFKA_BOOTSTRAP_SERVERS)");
        }
        this.config = new HashMap<>(extra);
        this.config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        this.timeout = timeout;
    }

    /** Sends {@code version} (a PGM version) as published at {@code now}; returns the event once the broker has it. */
    public ModelPublished publish(ModelVersion version, Instant now) {
        if (version.kind() != ModelKind.PGM) {
            throw new ModelStoreException("only PGM versions are published; " + version.version() + " is a "
                    + version.kind().folder() + " version (a new base model is deployed, not published)");
        }
        ModelPublished event = new ModelPublished(Events.SCHEMA_VERSION, version.version(), version.baseFingerprint(),
                version.location().toAbsolutePath().toString(), version.metrics(), now);
        try {
            producer().send(new ProducerRecord<>(Topics.MODEL_EVENTS, event.baseFingerprint(), EventCodec.encodeToString(event)))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return event;
        } catch (ExecutionException e) {
            throw new ModelStoreException("Kafka refused the ModelPublished event of " + version.version() + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new ModelStoreException("Kafka did not acknowledge the ModelPublished event of " + version.version()
                    + " within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelStoreException("interrupted while publishing " + version.version(), e);
        }
    }

    /**
     * The latest {@link ModelPublished} for the base model {@code baseFingerprint}: the topic is read from its
     * start to its current end. Records that cannot be decoded are skipped.
     */
    public Optional<ModelPublished> current(String baseFingerprint) {
        Properties p = new Properties();
        p.putAll(config);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        long deadline = System.nanoTime() + timeout.toNanos();
        ModelPublished latest = null;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            List<PartitionInfo> infos = consumer.partitionsFor(Topics.MODEL_EVENTS, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new ModelStoreException("topic " + Topics.MODEL_EVENTS + " does not exist (deploy/topics.conf)");
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new ModelStoreException("could not read " + Topics.MODEL_EVENTS + " to its end within "
                            + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (!baseFingerprint.equals(r.key())) {
                        continue;
                    }
                    if (r.value() == null) {
                        latest = null;   // a tombstone: the base has no published version any more
                        continue;
                    }
                    try {
                        ModelPublished e = EventCodec.decode(r.value(), ModelPublished.class);
                        // the services order a base's events by publishedAt, the first of equal times winning
                        if (latest == null || e.publishedAt().isAfter(latest.publishedAt())) {
                            latest = e;
                        }
                    } catch (InvalidRecordException skipped) {
                        // not ours to judge here: the prompt-generator sends such records to the dead-letter topic
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new ModelStoreException("Kafka did not answer within " + timeout.toSeconds() + " s: " + e.getMessage(), e);
        }
        return Optional.ofNullable(latest);
    }

    private synchronized KafkaProducer<String, String> producer() {
        if (producer == null) {
            Properties p = new Properties();
            p.putAll(config);
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeout.toMillis()));
            producer = new KafkaProducer<>(p);
        }
        return producer;
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
