package io.metalprompt.e2e.faults;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;

import io.metalprompt.e2e.ServiceProcess;
import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Events;
import io.metalprompt.events.Example;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.events.Topics;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;
import io.metalprompt.testing.ProjectPaths;
import io.metalprompt.testing.TestInfrastructure;

/**
 * The serving path as one worker-side end-to-end test needs it: a Kafka broker and a Redis server of its own, the
 * packaged prompt-generator and one packaged inference-worker (as {@code deploy/local/start.sh} runs them) on the tiny
 * test models; tasks are registered through {@code metal.task-registrations} as an internal producer would, and raw
 * records of any shape are written with {@link #send}.
 */
public final class WorkerSystem implements AutoCloseable {

    public final KafkaBroker kafka;
    public final RedisProcess redis;
    public final TaskStore store;
    private final RedisConnector redisClient;
    private final Map<String, String> env;
    private ServiceProcess promptGenerator;
    private ServiceProcess worker;
    private final KafkaProducer<byte[], byte[]> producer;

    private WorkerSystem(KafkaBroker kafka, RedisProcess redis, Map<String, String> env) {
        this.kafka = kafka;
        this.redis = redis;
        this.env = env;
        this.redisClient = new RedisConnector(redis.url(), Duration.ofSeconds(2));
        this.store = new TaskStore(redisClient);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2_000_000);
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Starts everything under {@code e2e-tests/target/<name>} and waits until both services are ready. */
    public static WorkerSystem start(String name) throws Exception {
        Path work = ProjectPaths.root().resolve("e2e-tests/target").resolve(name);
        deleteTree(work);
        Files.createDirectories(work);
        Path logs = Files.createDirectories(ProjectPaths.root().resolve("e2e-tests/target/service-logs"));
        RedisProcess redis = RedisProcess.start(work.resolve("redis"));
        KafkaBroker kafka = KafkaBroker.start(work.resolve("kafka"), logs.resolve(name + "-kafka.log"));
        Map<String, String> env = ServiceProcess.tinyModelsEnv(kafka.bootstrap(), redis.url());
        WorkerSystem system = new WorkerSystem(kafka, redis, env);
        system.promptGenerator = ServiceProcess.start("prompt-generator", TestInfrastructure.freePort(), env);
        system.worker = ServiceProcess.start("inference-worker", TestInfrastructure.freePort(), env);
        system.promptGenerator.awaitReady(Duration.ofSeconds(180));
        system.worker.awaitReady(Duration.ofSeconds(180));
        return system;
    }

    public ServiceProcess worker() {
        return worker;
    }

    /** {@code kill -9} of the worker, then the same worker started again, ready. Returns the seconds it was away. */
    public double killAndRestartWorker() throws Exception {
        long t0 = System.nanoTime();
        worker.kill();
        worker = worker.restart();
        worker.awaitReady(Duration.ofSeconds(180));
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Writes one record (any key, value and headers) to {@code topic} and waits for the broker's acknowledgement. */
    public RecordMetadata send(ProducerRecord<byte[], byte[]> record) throws Exception {
        return producer.send(record).get(30, TimeUnit.SECONDS);
    }

    /** Registers a task of {@code tenant} through metal.task-registrations. */
    public void register(String taskId, String tenant, List<Example> examples, List<String> options, int xl)
            throws Exception {
        TaskRegistered task = new TaskRegistered(Events.SCHEMA_VERSION, taskId, tenant, examples, options,
                PromptDesign.WEIGHTED_SUM, xl, Instant.now());
        send(new ProducerRecord<>(Topics.TASK_REGISTRATIONS, bytes(taskId), EventCodec.encode(task)));
    }

    /** Waits until every task is ready. */
    public void awaitReady(List<String> ids, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (ids.stream().allMatch(id -> store.find(id).map(TaskRecord::ready).orElse(false))) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("tasks not ready within " + timeout + "; prompt-generator log: "
                + promptGenerator.log());
    }

    /** {@code n} new task ids (of the issued format) whose records land on {@code n} different partitions of six. */
    public static List<String> onePerPartition(int n) {
        Map<Integer, String> byPartition = new TreeMap<>();
        while (byPartition.size() < n) {
            String id = UUID.randomUUID().toString();
            byPartition.putIfAbsent(partition(id, 6), id);
        }
        return new ArrayList<>(byPartition.values());
    }

    /** The partition the default partitioner gives {@code key} on a topic of {@code partitions}. */
    public static int partition(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(bytes(key))) % partitions;
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception {
        producer.close(Duration.ofSeconds(5));
        if (worker != null) {
            worker.close();
        }
        if (promptGenerator != null) {
            promptGenerator.close();
        }
        redisClient.close();
        kafka.close();
        redis.close();
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
