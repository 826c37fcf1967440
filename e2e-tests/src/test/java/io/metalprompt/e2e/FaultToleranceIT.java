package io.metalprompt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.metalprompt.e2e.faults.KafkaBroker;
import io.metalprompt.e2e.faults.LoadClient;
import io.metalprompt.e2e.faults.RedisProcess;
import io.metalprompt.e2e.faults.Tally;
import io.metalprompt.e2e.faults.TaskRegistrar;
import io.metalprompt.e2e.faults.WorkerSystem;
import io.metalprompt.events.EventCodec;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.PromptEvent;
import io.metalprompt.events.PromptReady;
import io.metalprompt.events.Topics;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.testing.ProjectPaths;
import io.metalprompt.testing.TestInfrastructure;

/**
 * Faults injected into the running system (packaged services as child processes, a broker and a Redis server of
 * their own that can be restarted): a known number of requests goes in through the Kafka topics, and every request
 * id is counted as answered, failed with a clear error, lost or duplicated (docs/reliability.md). Each run writes
 * its counts to {@code e2e-tests/target/reliability/*.json}; the table of the last run goes to
 * {@code e2e-tests/target/reliability/table.md}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultToleranceIT {

    private static final String TENANT = "faults";
    private static final int REQUESTS = 200;
    private static final int FAULT_AT = 60;
    private static final Duration INTERVAL = Duration.ofMillis(25);
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Path REPORTS = ProjectPaths.root().resolve("e2e-tests/target/reliability");

    private static Path work;
    private static KafkaBroker kafka;
    private static RedisProcess redis;
    private static RedisConnector redisClient;
    private static TaskStore store;
    private static TaskPrompts prompts;
    private static ServiceProcess promptGenerator;
    private static final List<ServiceProcess> workers = new ArrayList<>();
    private static LoadClient client;
    private static TaskRegistrar registrar;
    /** The registrar's producer, for records of other shapes (poison). */
    private static KafkaProducer<String, String> producer;
    private static List<String> inputs;
    /** One task per partition of metal.inference-requests, so that every worker has work; all alike. */
    private static List<String> taskIds;
    private static String taskId;
    private static Map<String, String> expected;
    private static Map<String, String> settings;

    @BeforeAll
    static void start() throws Exception {
        work = ProjectPaths.root().resolve("e2e-tests/target/faults");
        TestInfrastructure.deleteTree(work);
        TestInfrastructure.deleteTree(REPORTS);
        Files.createDirectories(work);
        Path logs = ProjectPaths.root().resolve("e2e-tests/target/service-logs");
        Files.createDirectories(logs);
        redis = RedisProcess.start(work.resolve("redis"));
        kafka = KafkaBroker.start(work.resolve("kafka"), logs.resolve("faults-kafka.log"));
        redisClient = new RedisConnector(redis.url(), Duration.ofSeconds(2));
        store = new TaskStore(redisClient);
        prompts = new TaskPrompts(redisClient);

        Map<String, String> env = ServiceProcess.tinyModelsEnv(kafka.bootstrap(), redis.url());
        promptGenerator = ServiceProcess.start("prompt-generator", TestInfrastructure.freePort(), env);
        workers.add(ServiceProcess.start("inference-worker", TestInfrastructure.freePort(), env));
        workers.add(ServiceProcess.start("inference-worker", TestInfrastructure.freePort(), env));
        promptGenerator.awaitReady(Duration.ofSeconds(180));
        for (ServiceProcess w : workers) {
            w.awaitReady(Duration.ofSeconds(180));
        }

        client = new LoadClient(kafka.bootstrap());

        List<TaskExample> train;
        try (TaskRoot root = TaskRoot.open(ProjectPaths.root().resolve("data/tasks.zip"))) {
            train = TaskLoader.loadFewShot(root.resolve("dev"), "dev_002", 16, 100);
            inputs = TaskLoader.loadTest(root.resolve("dev"), "dev_002").subList(0, 48).stream()
                    .map(TaskExample::input).toList();
        }
        registrar = new TaskRegistrar(kafka.bootstrap(), store, TENANT, train);
        producer = registrar.producer();
        taskIds = WorkerSystem.onePerPartition(6);
        taskId = taskIds.get(0);
        for (String id : taskIds) {
            register(id, null);
        }
        awaitReady(taskIds, Duration.ofSeconds(120));

        settings = new LinkedHashMap<>();
        settings.put("machine", Runtime.getRuntime().availableProcessors() + " cores, load average "
                + Files.readString(Path.of("/proc/loadavg")).split(" ")[0] + " at the start (other jobs running)");
        settings.put("load", REQUESTS + " requests of one input each over " + taskIds.size() + " tasks (one per partition)"
                + ", one every " + INTERVAL.toMillis()
                + " ms, through the Kafka topics; the fault starts before request " + FAULT_AT + "; the client waits up to "
                + WAIT.toSeconds() + " s after the last one");
        settings.put("system", "1 prompt-generator, 2 inference-workers (tiny test models), single-node Kafka 4.1.2 "
                + "(KRaft), Redis 6.2 with appendonly yes");
        settings.put("client", "reads metal.inference-results with isolation.level=read_committed, no de-duplication");

        // the unfaulted run: its predictions are the expected ones
        Tally baseline = client.run("none (baseline)", "", taskIds, TENANT, inputs, REQUESTS, INTERVAL, -1, null,
                WAIT, Map.of(), settings);
        baseline.write(REPORTS, "0-baseline");
        assertEquals(REQUESTS, baseline.answered(), baseline::toString);
        assertEquals(0, baseline.duplicated(), baseline::toString);
        expected = client.lastChoices();
        assertEquals(REQUESTS, expected.size());
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (registrar != null) {
            registrar.close();
        }
        for (ServiceProcess s : workers) {
            s.close();
        }
        if (promptGenerator != null) {
            promptGenerator.close();
        }
        if (redisClient != null) {
            redisClient.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (Files.isDirectory(REPORTS)) {
            Files.writeString(REPORTS.resolve("table.md"), Tally.table(REPORTS));
        }
    }

    @Test
    @Order(1)
    void workerKilledDuringLoad() throws Exception {
        ServiceProcess victim = workers.get(1);
        Tally t = client.run("kill -9 of one of two inference-workers", "restarted after the run", taskIds, TENANT,
                inputs, REQUESTS, INTERVAL, FAULT_AT, victim::kill, WAIT, expected, settings);
        t.write(REPORTS, "1-worker-kill");
        System.out.println("[faults] " + t);
        workers.set(1, victim.restart());
        workers.get(1).awaitReady(Duration.ofSeconds(180));
        assertEquals(REQUESTS, t.answered(), t::toString);
        assertClean(t);
        assertTrue(t.slowestMillis() > 3000, () -> "the killed worker was serving: its partitions' requests waited for"
                + " the failover; " + t);
    }

    @Test
    @Order(2)
    void redisRestartedDuringLoad() throws Exception {
        TaskRecord before = store.find(taskId).orElseThrow();
        Tally t = client.run("Redis restart (SIGTERM, start on the same port and data)", "down for 3 s", taskIds, TENANT,
                inputs, REQUESTS, INTERVAL, FAULT_AT, () -> {
                    redis.stop();
                    Thread.sleep(3000);
                    redis.launch();
                }, WAIT, expected, settings);
        t.write(REPORTS, "2-redis-restart");
        System.out.println("[faults] " + t);
        assertClean(t);
        assertEquals(REQUESTS, t.answered() + t.clearErrors(), t::toString);
        // the prompt survived the restart (AOF): same record, same artifact
        TaskRecord after = store.find(taskId).orElseThrow();
        assertTrue(after.ready());
        assertEquals(before.pgmVersion(), after.pgmVersion());
        assertTrue(prompts.artifact(taskId, after.pgmVersion()).isPresent(), "the prompt artifact survived the restart");
        assertResumes();
    }

    @Test
    @Order(3)
    void registrationsWhileRedisRestarts() throws Exception {
        int tasks = 4;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            ids.add("faults-redis-" + i + "-" + UUID.randomUUID());
        }
        long t0 = System.nanoTime();
        try (KafkaConsumer<String, String> dlq = consumer(Topics.deadLetter(Topics.TASK_REGISTRATIONS))) {
            redis.stop();
            for (String id : ids) {
                register(id, null);
            }
            Thread.sleep(3000);
            redis.launch();
            awaitReadyOrFail(ids, Duration.ofSeconds(120));
            int dead = 0;
            for (String id : ids) {
                dead += awaitRecords(dlq, id, Duration.ofMillis(100)).size();
            }
            int answered = (int) ids.stream().filter(FaultToleranceIT::isReady).count();
            Tally t = new Tally("Redis down for 3 s while tasks are registered (metal.task-registrations)",
                    "registered while Redis was stopped", tasks, answered, dead, tasks - answered - dead, 0, 0,
                    dead == 0 ? Map.of() : Map.of("to " + Topics.deadLetter(Topics.TASK_REGISTRATIONS), dead), 0,
                    (System.nanoTime() - t0) / 1_000_000, Map.of());
            t.write(REPORTS, "3-redis-down-registrations");
            System.out.println("[faults] " + t);
            assertEquals(0, dead, t::toString);
            assertEquals(tasks, answered, t::toString);
        }
    }

    @Test
    @Order(4)
    void kafkaRestartedDuringLoad() throws Exception {
        Tally t = client.run("Kafka broker restart (SIGTERM, start on the same port and log dir)", "", taskIds, TENANT,
                inputs, REQUESTS, INTERVAL, FAULT_AT, () -> {
                    kafka.stop();
                    kafka.launch();
                }, WAIT, expected, settings);
        t.write(REPORTS, "4-kafka-restart");
        System.out.println("[faults] " + t);
        assertEquals(REQUESTS, t.answered(), t::toString);
        assertClean(t);
        promptGenerator.awaitReady(Duration.ofSeconds(60));
        for (ServiceProcess w : workers) {
            w.awaitReady(Duration.ofSeconds(60));
        }
        assertResumes();
    }

    @Test
    @Order(5)
    void promptGeneratorKilledDuringGeneration() throws Exception {
        int tasks = 8;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            ids.add("faults-gen-" + i + "-" + UUID.randomUUID());
        }
        long t0 = System.nanoTime();
        try (KafkaConsumer<String, String> events = consumer(Topics.PROMPT_EVENTS)) {
            for (String id : ids) {
                register(id, null);
            }
            // kill as soon as the first prompt is stored: the others are queued or being generated
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (ids.stream().noneMatch(FaultToleranceIT::isReady) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            promptGenerator.kill();
            long pendingAtKill = ids.stream().filter(id -> !isReady(id)).count();
            promptGenerator = promptGenerator.restart();
            promptGenerator.awaitReady(Duration.ofSeconds(180));
            awaitReady(ids, Duration.ofSeconds(120));

            Map<String, List<PromptReady>> ready = new HashMap<>();
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < until) {
                for (ConsumerRecord<String, String> r : events.poll(Duration.ofMillis(200))) {
                    if (ids.contains(r.key()) && EventCodec.decode(r.value(), PromptEvent.class) instanceof PromptReady pr) {
                        ready.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(pr);
                    }
                }
            }
            int answered = (int) ids.stream().filter(FaultToleranceIT::isReady).count();
            int failed = (int) ids.stream().filter(id -> store.find(id).map(r -> TaskRecord.FAILED.equals(r.status()))
                    .orElse(false)).count();
            int duplicated = (int) ready.values().stream().filter(l -> l.size() > 1).count();
            Tally t = new Tally("kill -9 of the prompt-generator during generation (task registrations)",
                    pendingAtKill + " of " + tasks + " tasks still pending when killed", tasks, answered, failed,
                    tasks - answered - failed, duplicated, 0, Map.of(), 0, (System.nanoTime() - t0) / 1_000_000,
                    Map.of("prompt-generator run", tasks + " registrations (dev_002, 16 examples, WEIGHTED_SUM); killed"
                            + " when the first prompt was stored; duplicated = tasks with more than one PromptReady "
                            + "event (a redelivered registration whose prompt is stored is answered again, not generated again)"));
            t.write(REPORTS, "5-prompt-generator-kill");
            System.out.println("[faults] " + t + ", " + t.detail());
            assertTrue(pendingAtKill > 0, "the generator was killed before it finished: " + pendingAtKill + " pending");
            assertEquals(tasks, answered, t::toString);
            for (List<PromptReady> events1 : ready.values()) {
                assertEquals(1, events1.stream().map(e -> e.pgmVersion() + "/" + e.promptLength()).distinct().count(),
                        "every PromptReady of one task names the same prompt");
            }
            for (String id : ids) {
                TaskRecord r = store.find(id).orElseThrow();
                assertTrue(prompts.artifact(id, r.pgmVersion()).isPresent(), "prompt of " + id + " is stored");
            }
        }
    }

    @Test
    @Order(6)
    void poisonRegistrationGoesToTheDeadLetterTopicAndTheNextIsProcessed() throws Exception {
        String id = "faults-poison-" + UUID.randomUUID();
        try (KafkaConsumer<String, String> dlq = consumer(Topics.deadLetter(Topics.TASK_REGISTRATIONS))) {
            long t0 = System.nanoTime();
            // same key, so the same partition: the valid registration comes after the poison
            producer.send(new ProducerRecord<>(Topics.TASK_REGISTRATIONS, id, "{\"type\":\"TaskRegistered\",\"broken\"")).get();
            register(id, null);
            awaitReady(List.of(id), Duration.ofSeconds(120));
            List<ConsumerRecord<String, String>> dead = awaitRecords(dlq, id, Duration.ofSeconds(30));
            Tally t = new Tally("poison record on metal.task-registrations", "then a valid registration, same key",
                    2, isReady(id) ? 1 : 0, dead.size(), 2 - (isReady(id) ? 1 : 0) - dead.size(),
                    dead.size() > 1 ? 1 : 0, 0, Map.of("to " + Topics.deadLetter(Topics.TASK_REGISTRATIONS), dead.size()),
                    0, (System.nanoTime() - t0) / 1_000_000, Map.of());
            t.write(REPORTS, "6-poison-registration");
            System.out.println("[faults] " + t);
            assertEquals(1, dead.size());
            assertEquals("{\"type\":\"TaskRegistered\",\"broken\"", dead.get(0).value());
            assertTrue(reason(dead.get(0)) != null && !reason(dead.get(0)).isBlank(), "the dead letter says why");
            assertTrue(isReady(id));
        }
    }

    @Test
    @Order(7)
    void poisonRequestGoesToTheDeadLetterTopicAndTheNextAreServed() throws Exception {
        try (KafkaConsumer<String, String> dlq = consumer(Topics.deadLetter(Topics.INFERENCE_REQUESTS))) {
            long t0 = System.nanoTime();
            producer.send(new ProducerRecord<>(Topics.INFERENCE_REQUESTS, taskId, "not an inference request")).get();
            int normal = 20;
            Tally after = client.run("poison", "", List.of(taskId), TENANT, inputs, normal, INTERVAL, -1, null, WAIT, expected,
                    Map.of());
            List<ConsumerRecord<String, String>> dead = awaitRecords(dlq, taskId, Duration.ofSeconds(30));
            Map<String, Integer> errors = new LinkedHashMap<>(after.errors());
            errors.put("to " + Topics.deadLetter(Topics.INFERENCE_REQUESTS), dead.size());
            Tally t = new Tally("poison record on metal.inference-requests", "then " + normal + " valid requests, same key",
                    normal + 1, after.answered(), after.clearErrors() + dead.size(),
                    normal + 1 - after.answered() - after.clearErrors() - dead.size(), after.duplicated(), after.wrong(),
                    errors, after.slowestMillis(), (System.nanoTime() - t0) / 1_000_000, Map.of());
            t.write(REPORTS, "7-poison-request");
            System.out.println("[faults] " + t);
            assertEquals(1, dead.size());
            assertEquals("not an inference request", dead.get(0).value());
            assertTrue(reason(dead.get(0)) != null && !reason(dead.get(0)).isBlank(), "the dead letter says why");
            assertEquals(normal, after.answered(), after::toString);
            assertClean(after);
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------------

    private static void assertClean(Tally t) {
        t.assertClean();
    }

    /** After a fault: a fresh run is served completely, correctly and once. */
    private static void assertResumes() throws Exception {
        Tally t = client.run("after", "", taskIds, TENANT, inputs, 20, INTERVAL, -1, null, WAIT, expected, Map.of());
        assertEquals(20, t.answered(), () -> "requests did not resume: " + t);
        assertClean(t);
    }

    private static void register(String id, PromptDesign design) throws Exception {
        registrar.register(id, design);
    }

    private static boolean isReady(String id) {
        return registrar.isReady(id);
    }

    private static void awaitReady(List<String> ids, Duration timeout) throws InterruptedException {
        registrar.awaitReady(ids, timeout, "prompt-generator log: " + promptGenerator.log());
    }

    private static void awaitReadyOrFail(List<String> ids, Duration timeout) throws InterruptedException {
        registrar.awaitReadyOrFailed(ids, timeout);
    }

    /** A consumer at the end of every partition of {@code topic}. */
    private static KafkaConsumer<String, String> consumer(String topic) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
        var partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(i -> new org.apache.kafka.common.TopicPartition(i.topic(), i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        return consumer;
    }

    private static List<ConsumerRecord<String, String>> awaitRecords(KafkaConsumer<String, String> consumer, String key,
                                                                      Duration timeout) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                if (key.equals(r.key())) {
                    out.add(r);
                }
            }
            if (!out.isEmpty()) {
                // a moment more: a second copy would show up now
                long more = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                while (System.nanoTime() < more) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                        if (key.equals(r.key())) {
                            out.add(r);
                        }
                    });
                }
                return out;
            }
        }
        return out;
    }

    /** The failure reason a dead letter carries (SmallRye's and the worker's header have the same name). */
    private static String reason(ConsumerRecord<String, String> dead) {
        var h = dead.headers().lastHeader("dead-letter-reason");
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
