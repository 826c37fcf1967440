package io.metalprompt.e2e.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Every record written to a topic from the moment it is opened on, read {@code read_committed} (what a transaction
 * committed, once) in a thread of its own, kept as bytes: a test asks for the records that match, waiting for them.
 * A reader opened with {@code reading = false} only notes where the topic ends and reads from there once
 * {@link #start()} is called (so that it adds no work while something is measured).
 */
public final class TopicReader implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<ConsumerRecord<byte[], byte[]>> seen = new CopyOnWriteArrayList<>();
    private final Thread poller;
    private volatile boolean running = true;

    public TopicReader(String bootstrap, String topic, Map<String, Object> extraConfig) {
        this(bootstrap, topic, extraConfig, true);
    }

    public TopicReader(String bootstrap, String topic, Map<String, Object> extraConfig, boolean reading) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.putAll(extraConfig);
        consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);   // the end as of now, before anything is sent
        poller = new Thread(() -> {
            while (running) {
                consumer.poll(Duration.ofMillis(100)).forEach(seen::add);
            }
            consumer.close();
        }, "topic-reader-" + topic);
        poller.setDaemon(true);
        if (reading) {
            poller.start();
        }
    }

    /** Starts reading (a reader opened with {@code reading = false}). */
    public void start() {
        poller.start();
    }

    public TopicReader(String bootstrap, String topic) {
        this(bootstrap, topic, Map.of());
    }

    /** The records so far that {@code which} accepts. */
    public List<ConsumerRecord<byte[], byte[]>> matching(Predicate<ConsumerRecord<byte[], byte[]>> which) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : seen) {
            if (which.test(r)) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * Waits up to {@code timeout} until {@code count} records match, then a moment more ({@code settle}: a second copy
     * would show up now); returns every match.
     */
    public List<ConsumerRecord<byte[], byte[]>> await(Predicate<ConsumerRecord<byte[], byte[]>> which, int count,
                                                      Duration timeout, Duration settle) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (matching(which).size() < count && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(settle.toMillis());
        return matching(which);
    }

    /** The text of the last header {@code name} of {@code r}, or null. */
    public static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        if (poller.isAlive()) {
            poller.join(5000);
        } else {
            consumer.close();
        }
    }
}
