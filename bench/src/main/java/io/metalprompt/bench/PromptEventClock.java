package io.metalprompt.bench;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.PromptEvent;
import io.metalprompt.events.PromptFailed;
import io.metalprompt.events.Topics;

/**
 * When each task's prompt event appeared on {@code metal.prompt-events} (the record's timestamp), read from the topic's
 * end at start by a thread of its own: how the burst bench sees a task become ready without polling the gateway.
 */
final class PromptEventClock implements AutoCloseable {

    private final Map<String, Long> at = new ConcurrentHashMap<>();
    private final Map<String, Boolean> failed = new ConcurrentHashMap<>();
    private final KafkaConsumer<String, String> consumer;
    private final Thread reader;
    private volatile boolean running = true;

    private PromptEventClock(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.PROMPT_EVENTS).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);   // the end now, before any registration is sent
        reader = new Thread(this::read, "prompt-event-clock");
        reader.setDaemon(true);
        reader.start();
    }

    static PromptEventClock start(String bootstrap) {
        return new PromptEventClock(bootstrap);
    }

    private void read() {
        while (running) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                PromptEvent e = EventCodec.decode(r.value(), PromptEvent.class);
                at.putIfAbsent(e.taskId(), r.timestamp());
                failed.putIfAbsent(e.taskId(), e instanceof PromptFailed);
            }
        }
        consumer.close();
    }

    boolean seenAll(Collection<String> ids) {
        return at.keySet().containsAll(ids);
    }

    long missing(Collection<String> ids) {
        return ids.stream().filter(id -> !at.containsKey(id)).count();
    }

    /** The timestamp (epoch ms) of the task's first prompt event. */
    long at(String id) {
        return at.get(id);
    }

    int failed(Collection<String> ids) {
        return (int) ids.stream().filter(id -> failed.getOrDefault(id, false)).count();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        reader.join(5000);
    }
}
