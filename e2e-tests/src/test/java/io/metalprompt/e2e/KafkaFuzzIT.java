package io.metalprompt.e2e;

import static io.metalprompt.e2e.faults.TopicReader.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.metalprompt.e2e.faults.KafkaRecordFuzzer;
import io.metalprompt.e2e.faults.LoadClient;
import io.metalprompt.e2e.faults.Tally;
import io.metalprompt.e2e.faults.TopicReader;
import io.metalprompt.e2e.faults.WorkerSystem;
import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Example;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Topics;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.testing.ProjectPaths;

/**
 * The Kafka side's fuzzer (beside the gateway's HTTP one, {@code GatewayFuzzTest}): seeded random request records
 * ({@link KafkaRecordFuzzer}: headers, keys, bytes, schema versions) go to the packaged worker while another tenant's
 * requests go through. That tenant's p99 latency must stay under twice its baseline, every one of its requests
 * answered once and correctly: the load runs in windows that alternate without and with the fuzzer (eight of each,
 * so that a busy machine's drift falls on both), and the p99 of the fuzzed windows is compared with the p99 of the
 * quiet ones, after four warm-up pairs of windows that are not measured. The fuzzer writes {@value #DEFAULT_PER_WINDOW}
 * records per window (16 a second beside the tenant's 40 requests a second; {@code -Dmetal.fuzz.per-window=N} changes
 * it): three times that rate, the earlier default, passes too but with less margin on this 2-core machine, broker,
 * worker and test on it (docs/reliability.md: there the extra load, not one record holding up others, is what the
 * tail grows with). Every fuzz record whose reply
 * headers the worker answers on must be answered or dead-lettered (a well-formed one answered), one that it cannot
 * answer must be dead-lettered and nothing written for it, no record gets two of either, and the worker serves
 * normally afterwards. Same seed, same records: a failure names the seed and the case.
 */
class KafkaFuzzIT {

    private static final long SEED = Long.getLong("metal.fuzz.seed", 0x6B61_666B_61L);
    /** Fuzz records sent during each fuzzed window (the measured ones and the warm-up ones). */
    private static final int DEFAULT_PER_WINDOW = 40;
    private static final int CASES_PER_WINDOW = Integer.getInteger("metal.fuzz.per-window", DEFAULT_PER_WINDOW);
    private static final int REQUESTS = 800;
    /** The load alternates quiet and fuzzed windows of REQUESTS / ROUNDS requests each. */
    private static final int ROUNDS = 8;
    /** Window pairs run first and not measured: the JVMs are still compiling (a first quiet window's p99 is 2-4x). */
    private static final int WARM_UP_ROUNDS = 4;
    private static final int CASES = CASES_PER_WINDOW * (ROUNDS + WARM_UP_ROUNDS);
    private static final Duration INTERVAL = Duration.ofMillis(25);
    private static final String TENANT = "fuzz-load-tenant";
    private static final String FUZZ_TENANT = "fuzz-producer";

    private static WorkerSystem system;
    private static LoadClient client;
    private static List<String> tenantTasks;
    private static List<String> fuzzTasks;
    private static List<String> inputs;

    @BeforeAll
    static void start() throws Exception {
        system = WorkerSystem.start("kafka-fuzz");
        List<TaskExample> train;
        try (TaskRoot root = TaskRoot.open(ProjectPaths.root().resolve("data/tasks.zip"))) {
            train = TaskLoader.loadFewShot(root.resolve("dev"), "dev_002", 16, 100);
            inputs = TaskLoader.loadTest(root.resolve("dev"), "dev_002").subList(0, 48).stream()
                    .map(TaskExample::input).toList();
        }
        List<Example> examples = train.stream().map(e -> new Example(e.input(), e.output())).toList();
        tenantTasks = WorkerSystem.onePerPartition(6);
        fuzzTasks = WorkerSystem.onePerPartition(2);
        for (String id : tenantTasks) {
            system.register(id, TENANT, examples, train.get(0).options(), 2);
        }
        for (String id : fuzzTasks) {
            system.register(id, FUZZ_TENANT, examples, train.get(0).options(), 2);
        }
        List<String> all = new ArrayList<>(tenantTasks);
        all.addAll(fuzzTasks);
        system.awaitReady(all, Duration.ofSeconds(180));
        client = new LoadClient(system.kafka.bootstrap());
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (system != null) {
            system.close();
        }
        if (Files.isDirectory(KafkaDoorIT.REPORTS)) {
            Files.writeString(KafkaDoorIT.REPORTS.resolve("table.md"), Tally.table(KafkaDoorIT.REPORTS));
        }
    }

    @Test
    void fuzzedRecordsFailAloneAndAnotherTenantKeepsItsLatency() throws Exception {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("fuzz system", "as the door runs; seed " + SEED + ", " + CASES_PER_WINDOW + " records in each of "
                + ROUNDS + " measured windows (after " + WARM_UP_ROUNDS + " warm-up pairs) of " + REQUESTS / ROUNDS
                + " requests of the measured tenant (one every " + INTERVAL.toMillis() + " ms), each after a window without the fuzzer (the baseline)");
        int window = REQUESTS / ROUNDS;
        // warm-up (not measured); its answers are the expected ones (every window sends the same task/input pairs)
        Tally warmUp = client.run("warm-up", "", tenantTasks, TENANT, inputs, window, INTERVAL, -1, null,
                Duration.ofSeconds(90), Map.of(), settings);
        assertEquals(window, warmUp.answered(), warmUp::toString);
        Map<String, String> expected = client.lastChoices();

        // every record made before any window: the generator's work is not the worker's
        KafkaRecordFuzzer fuzzer = new KafkaRecordFuzzer(SEED, FUZZ_TENANT, fuzzTasks, tenantTasks);
        List<KafkaRecordFuzzer.Case> cases = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {   // CASES: every fuzzed window's records, the warm-up's too
            cases.add(fuzzer.next());
        }
        Map<Integer, Future<RecordMetadata>> sends = new ConcurrentHashMap<>();
        List<Long> quietLatencies = new ArrayList<>();
        List<Long> fuzzedLatencies = new ArrayList<>();
        List<Tally> fuzzed = new ArrayList<>();
        StringBuilder windows = new StringBuilder("p99 by window (ms):");
        // the outcomes are read after the windows (from where the topics end now): the test adds no work to them
        try (TopicReader results = new TopicReader(system.kafka.bootstrap(), Topics.INFERENCE_RESULTS, Map.of(), false);
             TopicReader dead = new TopicReader(system.kafka.bootstrap(), Topics.deadLetter(Topics.INFERENCE_REQUESTS),
                     Map.of(), false);
             KafkaProducer<byte[], byte[]> producer = producer()) {
            long spacing = INTERVAL.toMillis() * window / CASES_PER_WINDOW;
            // the first rounds warm up (not measured): the worker's and the broker's first handling of every kind of
            // record (compilation, topic metadata, dead-letter partitions) is not steady state, and a baseline
            // measured then would be inflated
            for (int round = 0; round < WARM_UP_ROUNDS + ROUNDS; round++) {
                boolean measured = round >= WARM_UP_ROUNDS;
                List<KafkaRecordFuzzer.Case> slice = cases.subList(round * CASES_PER_WINDOW,
                        (round + 1) * CASES_PER_WINDOW);
                Tally quiet = client.run("quiet", "", tenantTasks, TENANT, inputs, window, INTERVAL, -1, null,
                        Duration.ofSeconds(90), expected, settings);
                assertEquals(window, quiet.answered(), quiet::toString);
                if (measured) {
                    quietLatencies.addAll(client.lastLatencies());
                    windows.append(" quiet ").append(quantile(client.lastLatencies(), 0.99));
                }
                fuzzed.add(client.run("fuzz", "", tenantTasks, TENANT, inputs, window, INTERVAL, 0, () -> {
                    for (KafkaRecordFuzzer.Case c : slice) {
                        sends.put(c.index(), producer.send(c.record()));
                        Thread.sleep(spacing);
                    }
                }, Duration.ofSeconds(90), expected, settings));
                if (measured) {
                    fuzzedLatencies.addAll(client.lastLatencies());
                    windows.append(", fuzzed ").append(quantile(client.lastLatencies(), 0.99)).append(';');
                }
            }
            System.out.println("[kafka-fuzz] " + windows);
            Tally load = sum(fuzzed);
            results.start();
            dead.start();
            long baselineP99 = quantile(quietLatencies, 0.99);
            long p99 = quantile(fuzzedLatencies, 0.99);

            Map<Integer, RecordMetadata> written = new HashMap<>();
            for (KafkaRecordFuzzer.Case c : cases) {
                written.put(c.index(), sends.get(c.index()).get(60, TimeUnit.SECONDS));
            }
            // every record's outcome: replies by correlation id (else body request id), dead letters by source offset
            Map<Integer, List<InferenceResult>> replies = new HashMap<>();
            Map<Integer, Integer> letters = new HashMap<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (true) {
                collect(cases, written, results, dead, replies, letters);
                boolean done = cases.stream().allMatch(c -> replies.containsKey(c.index()) || letters.containsKey(c.index()));
                if (done || System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(500);
            }
            Thread.sleep(3000);   // a second reply or dead letter would show up now
            collect(cases, written, results, dead, replies, letters);

            Map<String, Integer> kinds = new TreeMap<>();
            int answeredOk = 0;
            int clear = 0;
            List<String> broken = new ArrayList<>();
            for (KafkaRecordFuzzer.Case c : cases) {
                kinds.merge(c.kind(), 1, Integer::sum);
                List<InferenceResult> r = replies.getOrDefault(c.index(), List.of());
                int l = letters.getOrDefault(c.index(), 0);
                String what = "case " + c.index() + " (seed " + SEED + ", " + c.kind() + ", routable " + c.routable()
                        + ", well-formed " + c.wellFormed() + "): " + r.size() + " replies, " + l + " dead letters";
                if (r.size() > 1 || l > 1) {
                    broken.add("twice: " + what);
                } else if (!c.routable() && (!r.isEmpty() || l != 1)) {
                    broken.add("no reply possible, so dead letter only: " + what);
                } else if (c.routable() && c.wellFormed() && r.size() != 1) {
                    broken.add("well-formed and routable, so answered: " + what);
                } else if (c.routable() && r.isEmpty() && l == 0) {
                    broken.add("neither answered nor dead-lettered: " + what);
                }
                if (!r.isEmpty() && r.get(0).status() == InferenceResult.Status.OK) {
                    answeredOk++;
                } else if (!r.isEmpty() || l > 0) {
                    clear++;
                }
            }
            int tenantRequests = REQUESTS + WARM_UP_ROUNDS * window;   // the fuzzed windows' requests, warm-up's too
            int sent = tenantRequests + CASES;
            Tally row = new Tally("seeded Kafka record fuzzer (" + CASES + " records: headers, keys, bytes, schema versions)",
                    "during another tenant's " + tenantRequests + " requests; its p99 " + p99 + " ms, baseline " + baselineP99
                            + " ms", sent, load.answered() + answeredOk, load.clearErrors() + clear,
                    sent - load.answered() - answeredOk - load.clearErrors() - clear, load.duplicated(), load.wrong(),
                    Map.of("fuzz records answered with an error or dead-lettered", clear), load.slowestMillis(),
                    load.millis(), settings);
            row.write(KafkaDoorIT.REPORTS, "door-9-fuzz");
            System.out.println("[kafka-fuzz] " + row + "; kinds " + kinds);

            assertTrue(broken.isEmpty(), () -> broken.size() + " records broke the contract:\n" + String.join("\n", broken));
            assertEquals(tenantRequests, load.answered(), load::toString);
            assertEquals(0, load.lost(), load::toString);
            assertEquals(0, load.duplicated(), load::toString);
            assertEquals(0, load.wrong(), load::toString);
            assertTrue(p99 < 2 * baselineP99, "the other tenant's p99 " + p99 + " ms is not under twice its baseline "
                    + baselineP99 + " ms (seed " + SEED + ")");
            assertEquals(fuzzedLatencies.size(), REQUESTS, "every request of the fuzzed windows was answered");
        }
        // nothing stalls: the worker serves as before
        Tally after = client.run("after", "", tenantTasks, TENANT, inputs, 50, INTERVAL, -1, null,
                Duration.ofSeconds(60), expected, settings);
        assertEquals(50, after.answered(), after::toString);
        assertEquals(0, after.wrong(), after::toString);
    }

    /** The {@code q}-quantile (nearest rank) of {@code millis}. */
    private static long quantile(List<Long> millis, double q) {
        List<Long> sorted = new ArrayList<>(millis);
        sorted.sort(null);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    /** The fuzzed windows' counts as one run. */
    private static Tally sum(List<Tally> windows) {
        Map<String, Integer> errors = new TreeMap<>();
        int sent = 0, answered = 0, clear = 0, lost = 0, duplicated = 0, wrong = 0;
        long slowest = 0, millis = 0;
        for (Tally t : windows) {
            sent += t.sent();
            answered += t.answered();
            clear += t.clearErrors();
            lost += t.lost();
            duplicated += t.duplicated();
            wrong += t.wrong();
            slowest = Math.max(slowest, t.slowestMillis());
            millis += t.millis();
            t.errors().forEach((k, v) -> errors.merge(k, v, Integer::sum));
        }
        return new Tally("fuzz", "", sent, answered, clear, lost, duplicated, wrong, errors, slowest, millis, Map.of());
    }

    private static void collect(List<KafkaRecordFuzzer.Case> cases, Map<Integer, RecordMetadata> written,
                                TopicReader results, TopicReader dead, Map<Integer, List<InferenceResult>> replies,
                                Map<Integer, Integer> letters) {
        Map<String, Integer> byRequestId = new HashMap<>();
        Map<String, Integer> bySource = new HashMap<>();
        for (KafkaRecordFuzzer.Case c : cases) {
            byRequestId.put(c.requestId(), c.index());
            RecordMetadata m = written.get(c.index());
            bySource.put(m.partition() + "/" + m.offset(), c.index());
        }
        replies.clear();
        letters.clear();
        for (ConsumerRecord<byte[], byte[]> r : results.matching(r -> true)) {
            InferenceResult result = EventCodec.decode(r.value(), InferenceResult.class);
            String correlation = header(r, "REPLY_CORRELATION_ID");
            Integer index = correlation != null && byRequestId.containsKey(correlation) ? byRequestId.get(correlation)
                    : byRequestId.get(result.requestId());
            if (index != null) {
                replies.computeIfAbsent(index, k -> new ArrayList<>()).add(result);
            }
        }
        for (ConsumerRecord<byte[], byte[]> r : dead.matching(r -> true)) {
            Integer index = bySource.get(header(r, "dead-letter-partition") + "/" + header(r, "dead-letter-offset"));
            if (index != null) {
                letters.merge(index, 1, Integer::sum);
            }
        }
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        java.util.Properties p = new java.util.Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, system.kafka.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2_000_000);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
