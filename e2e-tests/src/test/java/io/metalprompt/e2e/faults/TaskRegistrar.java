package io.metalprompt.e2e.faults;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Events;
import io.metalprompt.events.Example;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.events.Topics;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;
import io.metalprompt.tasks.TaskExample;

/**
 * Registers tasks of one tenant as an internal producer does (a {@code TaskRegistered} on
 * {@code metal.task-registrations}, {@code acks=all}), all with the same training examples, and reads whether the
 * prompt-generator has made them ready ({@link TaskStore}; a Redis that cannot be reached reads as not yet).
 */
public final class TaskRegistrar implements AutoCloseable {

    private final KafkaProducer<String, String> producer;
    private final TaskStore store;
    private final String tenant;
    private final List<TaskExample> train;

    public TaskRegistrar(String bootstrap, TaskStore store, String tenant, List<TaskExample> train) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        this.store = store;
        this.tenant = tenant;
        this.train = List.copyOf(train);
    }

    /** The producer it registers with (for records of other shapes on the same topics). */
    public KafkaProducer<String, String> producer() {
        return producer;
    }

    /** Registers task {@code id} (WEIGHTED_SUM when {@code design} is null, 2 demonstrations) and waits for the ack. */
    public void register(String id, PromptDesign design) throws Exception {
        TaskRegistered task = new TaskRegistered(Events.SCHEMA_VERSION, id, tenant,
                train.stream().map(e -> new Example(e.input(), e.output())).toList(), train.get(0).options(),
                design == null ? PromptDesign.WEIGHTED_SUM : design, 2, Instant.now());
        producer.send(new ProducerRecord<>(Topics.TASK_REGISTRATIONS, id, EventCodec.encodeToString(task)))
                .get(30, TimeUnit.SECONDS);
    }

    public boolean isReady(String id) {
        try {
            return store.find(id).map(TaskRecord::ready).orElse(false);
        } catch (RuntimeException redisDown) {
            return false;
        }
    }

    public boolean isFailed(String id) {
        try {
            return store.find(id).map(r -> TaskRecord.FAILED.equals(r.status())).orElse(false);
        } catch (RuntimeException redisDown) {
            return false;
        }
    }

    /** Waits until every task is ready; fails naming the pending ones and {@code whereToLook} (a log) otherwise. */
    public void awaitReady(List<String> ids, Duration timeout, String whereToLook) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (ids.stream().allMatch(this::isReady)) {
                return;
            }
            Thread.sleep(200);
        }
        List<String> pending = ids.stream().filter(id -> !isReady(id)).toList();
        throw new AssertionError("not ready within " + timeout + ": " + pending + "; " + whereToLook);
    }

    /** Waits until every task is ready or failed, or the timeout passes (the caller counts). */
    public void awaitReadyOrFailed(List<String> ids, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && !ids.stream().allMatch(id -> isReady(id) || isFailed(id))) {
            Thread.sleep(200);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
