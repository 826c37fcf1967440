package io.metalprompt.e2e;

import static io.metalprompt.e2e.faults.TopicReader.header;
import static io.metalprompt.e2e.faults.WorkerSystem.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.metalprompt.e2e.faults.LoadClient;
import io.metalprompt.e2e.faults.Tally;
import io.metalprompt.e2e.faults.TopicReader;
import io.metalprompt.e2e.faults.WorkerSystem;
import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Example;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Topics;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.testing.ProjectPaths;

/**
 * Issue 19's worker-side reproductions against the packaged worker (one, as {@code deploy/local/start.sh} runs it):
 * while another tenant's requests go through, an internal producer writes a request whose reply cannot be written
 * (a {@code REPLY_TOPIC} that does not exist), one whose result is larger than a Kafka record may be, one that does not
 * decode, one whose task id is a Redis key suffix. Each must fail alone, with an answer where one can be written
 * and a dead letter (correlation id kept) where not, while the other tenant is answered in seconds, every request
 * once and correctly; a worker killed right after a poison record must not stall on it when it starts again. Rows of
 * {@code docs/reliability.md} ("The worker's Kafka door"): {@code e2e-tests/target/reliability-kafka/table.md}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaDoorIT {

    static final Path REPORTS = ProjectPaths.root().resolve("e2e-tests/target/reliability-kafka");
    private static final String TENANT = "door-tenant";
    private static final String PRODUCER_TENANT = "door-internal-producer";
    private static final String MISSING_TOPIC = "metal.does-not-exist";
    private static final int REQUESTS = 200;
    private static final Duration INTERVAL = Duration.ofMillis(25);
    private static final Duration WAIT = Duration.ofSeconds(90);
    /** Seconds, not minutes: the old worker waited 60 s on the first poison record alone. */
    private static final long SECONDS_NOT_MINUTES = 10_000;

    private static WorkerSystem system;
    private static LoadClient client;
    private static TopicReader results;
    private static TopicReader deadLetters;
    private static List<String> tenantTasks;
    private static String wideTask;
    private static List<String> inputs;
    private static Map<String, String> expected;
    private static long baselineP99;
    private static final Map<String, String> settings = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(REPORTS);
        try (var old = Files.list(REPORTS)) {
            for (Path p : old.filter(p -> p.getFileName().toString().startsWith("door-")).toList()) {
                Files.delete(p);
            }
        }
        system = WorkerSystem.start("kafka-door");
        List<TaskExample> train;
        try (TaskRoot root = TaskRoot.open(ProjectPaths.root().resolve("data/tasks.zip"))) {
            train = TaskLoader.loadFewShot(root.resolve("dev"), "dev_002", 16, 100);
            inputs = TaskLoader.loadTest(root.resolve("dev"), "dev_002").subList(0, 48).stream()
                    .map(TaskExample::input).toList();
        }
        List<Example> examples = train.stream().map(e -> new Example(e.input(), e.output())).toList();
        tenantTasks = WorkerSystem.onePerPartition(6);
        for (String id : tenantTasks) {
            system.register(id, TENANT, examples, train.get(0).options(), 2);
        }
        // the issue's second reproduction: a task with 1,000 options, so that 64 inputs make a 1.65 MB result
        List<String> options = new ArrayList<>(train.get(0).options());
        for (int i = options.size(); i < 1000; i++) {
            options.add("label number " + i);
        }
        wideTask = UUID.randomUUID().toString();
        system.register(wideTask, PRODUCER_TENANT, examples, options, 0);
        List<String> all = new ArrayList<>(tenantTasks);
        all.add(wideTask);
        system.awaitReady(all, Duration.ofSeconds(180));

        client = new LoadClient(system.kafka.bootstrap());
        results = new TopicReader(system.kafka.bootstrap(), Topics.INFERENCE_RESULTS);
        deadLetters = new TopicReader(system.kafka.bootstrap(), Topics.deadLetter(Topics.INFERENCE_REQUESTS));
        settings.put("machine", Runtime.getRuntime().availableProcessors() + " cores, load average "
                + Files.readString(Path.of("/proc/loadavg")).split(" ")[0] + " at the start (other jobs running)");
        settings.put("door system", "1 prompt-generator, 1 inference-worker (tiny test models), single-node Kafka 4.1.2"
                + " (KRaft), Redis 6.2; the tenant's load: one request of one input every " + INTERVAL.toMillis()
                + " ms over 6 tasks (one per partition), read_committed");

        // warm-up (not counted: the first requests of a fresh worker pay for class loading and JIT), then the baseline
        client.run("warm-up", "", tenantTasks, TENANT, inputs, 100, INTERVAL, -1, null, WAIT, Map.of(), settings);
        Tally baseline = client.run("none (baseline of the door runs)", "", tenantTasks, TENANT, inputs, REQUESTS,
                INTERVAL, -1, null, WAIT, Map.of(), settings);
        assertEquals(REQUESTS, baseline.answered(), baseline::toString);
        expected = client.lastChoices();
        baselineP99 = client.lastQuantile(0.99);
        write("door-0-baseline", baseline, "p99 " + baselineP99 + " ms");
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {client, results, deadLetters, system}) {
            if (c != null) {
                c.close();
            }
        }
        if (Files.isDirectory(REPORTS)) {
            Files.writeString(REPORTS.resolve("table.md"), Tally.table(REPORTS));
        }
    }

    @Test
    @Order(1)
    void replyTopicThatDoesNotExistFailsAloneAndTheOtherTenantKeepsItsLatency() throws Exception {
        List<String> poisonIds = new ArrayList<>();
        Tally load = client.run("poison", "", tenantTasks, TENANT, inputs, REQUESTS, INTERVAL, 60, () -> {
            for (int i = 0; i < 5; i++) {
                String id = UUID.randomUUID().toString();
                poisonIds.add(id);
                system.send(issueRecord(id, MISSING_TOPIC));
            }
        }, WAIT, expected, Map.of());
        long p99 = client.lastQuantile(0.99);
        List<ConsumerRecord<byte[], byte[]>> dead = deadLetters.await(
                r -> poisonIds.contains(header(r, "REPLY_CORRELATION_ID")), 5, Duration.ofSeconds(30), Duration.ofSeconds(2));
        Tally t = combined("REPLY_TOPIC of a topic that does not exist (5 records, the issue's first reproduction)",
                "during another tenant's " + REQUESTS + " requests; its p99 " + p99 + " ms, baseline " + baselineP99 + " ms",
                load, 5, 0, dead.size());
        write("door-1-missing-reply-topic", t, null);
        assertEquals(5, dead.size(), "each poison record dead-lettered once: " + t);
        for (ConsumerRecord<byte[], byte[]> d : dead) {
            assertEquals(MISSING_TOPIC, header(d, "REPLY_TOPIC"), "the dead letter keeps its reply headers");
            assertTrue(header(d, "dead-letter-reason").contains("'" + MISSING_TOPIC + "' is not one this worker answers on"));
        }
        assertTrue(results.matching(r -> poisonIds.contains(header(r, "REPLY_CORRELATION_ID"))).isEmpty(),
                "nothing was written for them anywhere else");
        assertEquals(REQUESTS, load.answered(), load::toString);
        assertClean(load);
        assertTrue(load.slowestMillis() < SECONDS_NOT_MINUTES, () -> "the other tenant waited: " + load);
    }

    @Test
    @Order(2)
    void aWorkerKilledRightAfterAPoisonRecordDoesNotStallOnItWhenItStartsAgain() throws Exception {
        String id = UUID.randomUUID().toString();
        system.send(issueRecord(id, MISSING_TOPIC));
        double away = system.killAndRestartWorker();
        int requests = 100;
        Tally load = client.run("after", "", tenantTasks, TENANT, inputs, requests, INTERVAL, -1, null, WAIT, expected,
                Map.of());
        List<ConsumerRecord<byte[], byte[]>> dead = deadLetters.await(r -> id.equals(header(r, "REPLY_CORRELATION_ID")),
                1, Duration.ofSeconds(60), Duration.ofSeconds(3));
        Tally t = combined("kill -9 of the worker right after a poison record (REPLY_TOPIC of a missing topic), restarted",
                String.format("away %.0f s; then %d requests of another tenant", away, requests), load, 1, 0, dead.size());
        write("door-2-poison-then-kill", t, null);
        assertEquals(1, dead.size(), "dead-lettered exactly once across the crash (read_committed): " + t);
        assertEquals(requests, load.answered(), load::toString);
        assertClean(load);
        assertTrue(load.slowestMillis() < SECONDS_NOT_MINUTES, () -> "the restarted worker stalled: " + load);
    }

    @Test
    @Order(3)
    void aResultLargerThanAKafkaRecordIsAnsweredInvalidAtOnce() throws Exception {
        List<String> sixtyFour = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            sixtyFour.add(inputs.get(i % inputs.size()));
        }
        InferenceRequest wide = new InferenceRequest(1, UUID.randomUUID().toString(), wideTask, PRODUCER_TENANT,
                sixtyFour, 0);
        Tally load = client.run("wide", "", tenantTasks, TENANT, inputs, 100, INTERVAL, 20,
                () -> system.send(request(wide, Topics.INFERENCE_RESULTS)), WAIT, expected, Map.of());
        InferenceResult answer = awaitResult(wide.requestId());
        var size = java.util.regex.Pattern.compile("would be about (\\d+) bytes").matcher(answer.error());
        Tally t = combined("64 inputs x 1,000 options (the issue's second reproduction)",
                (size.find() ? String.format("a result of about %.1f MB; ", Long.parseLong(size.group(1)) / 1e6) : "")
                        + "during another tenant's 100 requests; its p99 " + client.lastQuantile(0.99) + " ms", load, 1,
                answer.status() == InferenceResult.Status.INVALID ? 1 : 0, 0);
        write("door-3-result-too-large", t, null);
        assertEquals(InferenceResult.Status.INVALID, answer.status());
        assertTrue(answer.error().contains("more than the 1000000 a reply may carry")
                && answer.error().contains("64 inputs of 1000 options each"), answer.error());
        assertTrue(deadLetters.matching(r -> wide.requestId().equals(header(r, "REPLY_CORRELATION_ID"))).isEmpty());
        assertEquals(100, load.answered(), load::toString);
        assertClean(load);
        assertTrue(load.slowestMillis() < SECONDS_NOT_MINUTES, () -> "the other tenant waited: " + load);
    }

    @Test
    @Order(4)
    void aRecordThatDoesNotDecodeIsAnsweredInvalidAndDeadLetteredWithItsCorrelationId() throws Exception {
        String id = UUID.randomUUID().toString();
        String body = "{\"schemaVersion\":2,\"requestId\":\"" + id + "\",\"taskId\":\"" + wideTask + "\",\"tenant\":\""
                + PRODUCER_TENANT + "\",\"inputs\":[\"dog\"],\"deadlineEpochMillis\":0}";
        Tally load = client.run("undecodable", "", tenantTasks, TENANT, inputs, 100, INTERVAL, 20,
                () -> system.send(record(wideTask, body, id, Topics.INFERENCE_RESULTS)), WAIT, expected, Map.of());
        InferenceResult answer = awaitResult(id);
        List<ConsumerRecord<byte[], byte[]>> dead = deadLetters.await(r -> id.equals(header(r, "REPLY_CORRELATION_ID")),
                1, Duration.ofSeconds(30), Duration.ofSeconds(2));
        Tally t = combined("request of an unknown schema version (2), requestId readable", "answered INVALID and "
                + "dead-lettered; during another tenant's 100 requests", load, 1,
                answer.status() == InferenceResult.Status.INVALID ? 1 : 0, dead.size());
        write("door-4-undecodable", t, null);
        assertEquals(InferenceResult.Status.INVALID, answer.status());
        assertTrue(answer.error().contains("unsupported schemaVersion 2"), answer.error());
        assertEquals(1, dead.size());
        assertEquals(body, new String(dead.get(0).value(), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(100, load.answered(), load::toString);
        assertClean(load);
    }

    @Test
    @Order(5)
    void aTaskIdThatIsAKeySuffixIsInvalidNotAStoreError() throws Exception {
        // the issue's existence oracle across tenants: <id>:registration of another tenant's task
        InferenceRequest probe = new InferenceRequest(1, UUID.randomUUID().toString(), tenantTasks.get(0) + ":registration",
                PRODUCER_TENANT, List.of("dog"), 0);
        Tally load = client.run("probe", "", tenantTasks, TENANT, inputs, 100, INTERVAL, 20,
                () -> system.send(request(probe, Topics.INFERENCE_RESULTS)), WAIT, expected, Map.of());
        InferenceResult answer = awaitResult(probe.requestId());
        Tally t = combined("task id '<another tenant's task>:registration' (a Redis key of another type)",
                "during another tenant's 100 requests", load, 1, answer.status() == InferenceResult.Status.INVALID ? 1 : 0, 0);
        write("door-5-task-id-format", t, null);
        assertEquals(InferenceResult.Status.INVALID, answer.status(), answer.error());
        assertTrue(answer.error().contains("is not a task id"), answer.error());
        assertEquals(100, load.answered(), load::toString);
        assertClean(load);
    }

    // --- helpers ---------------------------------------------------------------------------------------------------

    /** The issue's record: key = task id, the gateway's reply headers, REPLY_TOPIC as given. */
    private static ProducerRecord<byte[], byte[]> issueRecord(String requestId, String replyTopic) {
        return request(new InferenceRequest(1, requestId, wideTask, PRODUCER_TENANT, List.of("dog"), 0), replyTopic);
    }

    private static ProducerRecord<byte[], byte[]> request(InferenceRequest req, String replyTopic) {
        return record(req.taskId(), EventCodec.encodeToString(req), req.requestId(), replyTopic);
    }

    private static ProducerRecord<byte[], byte[]> record(String key, String body, String requestId, String replyTopic) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(Topics.INFERENCE_REQUESTS, bytes(key), bytes(body));
        r.headers().add("REPLY_CORRELATION_ID", bytes(requestId));
        r.headers().add("REPLY_TOPIC", bytes(replyTopic));
        return r;
    }

    private static InferenceResult awaitResult(String requestId) throws InterruptedException {
        List<ConsumerRecord<byte[], byte[]>> got = results.await(r -> requestId.equals(header(r, "REPLY_CORRELATION_ID")),
                1, Duration.ofSeconds(60), Duration.ofSeconds(2));
        assertEquals(1, got.size(), "one result for " + requestId);
        return EventCodec.decode(got.get(0).value(), InferenceResult.class);
    }

    /** The load's counts plus {@code extra} records of the internal producer: {@code answers} of them answered with an error, {@code dead} dead-lettered. */
    private static Tally combined(String fault, String detail, Tally load, int extra, int answers, int dead) {
        Map<String, Integer> errors = new LinkedHashMap<>(load.errors());
        if (answers > 0) {
            errors.merge("INVALID", answers, Integer::sum);
        }
        if (dead > 0) {
            errors.put("to " + Topics.deadLetter(Topics.INFERENCE_REQUESTS), dead);
        }
        int clear = load.clearErrors() + Math.min(extra, answers + dead);
        int sent = load.sent() + extra;
        return new Tally(fault, detail, sent, load.answered(), clear, sent - load.answered() - clear, load.duplicated(),
                load.wrong(), errors, load.slowestMillis(), load.millis(), settings);
    }

    private static void write(String name, Tally t, String detail) throws Exception {
        Tally shown = detail == null ? t : new Tally(t.fault(), detail, t.sent(), t.answered(), t.clearErrors(), t.lost(),
                t.duplicated(), t.wrong(), t.errors(), t.slowestMillis(), t.millis(), t.settings());
        shown.write(REPORTS, name);
        System.out.println("[kafka-door] " + shown);
    }

    private static void assertClean(Tally t) {
        assertEquals(0, t.lost(), () -> "lost: " + t);
        assertEquals(0, t.duplicated(), () -> "duplicated: " + t);
        assertEquals(0, t.wrong(), () -> "wrong answers: " + t);
    }
}
