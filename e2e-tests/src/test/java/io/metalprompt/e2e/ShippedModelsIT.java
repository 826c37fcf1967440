package io.metalprompt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.metalprompt.client.MetalApiException;
import io.metalprompt.client.MetalClient;
import io.metalprompt.client.PredictionResponse;
import io.metalprompt.client.Refinement;
import io.metalprompt.client.TaskView;
import io.metalprompt.client.Version;
import io.metalprompt.e2e.DevTasks.DevTask;
import io.metalprompt.e2e.DevTasks.Printed;
import io.metalprompt.store.ApiKeys;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.testing.ProjectPaths;
import io.metalprompt.testing.TestInfrastructure;

/**
 * Issue 16's "done when" with the shipped models on development tasks, through the packaged services and the Java
 * client: a prompt version's quality report is what {@code metal eval} computes for the same examples, and a task
 * refined in the background is served more accurately, swapped under load without one failed request.
 */
class ShippedModelsIT {

    private static final List<ServiceProcess> services = new ArrayList<>();
    private static String gateway;
    private static String key;
    private static MetalClient client;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> env = DevTasks.shippedModelsEnv(Map.of());
        // the load test's clients send about 50 calls a second, above the default tenant rate (20/s, burst 40) and
        // in-progress bound (8): raised, so a 429 would be a fault of the swap and not of the test's own pace
        Map<String, String> gatewayEnv = DevTasks.shippedModelsEnv(Map.of(
                "METAL_GATEWAY_QUOTA_REQUESTS_PER_SECOND", "1000",
                "METAL_GATEWAY_QUOTA_BURST", "1000",
                "METAL_GATEWAY_QUOTA_MAX_CONCURRENT_REQUESTS", "32"));
        for (String module : List.of("gateway", "prompt-generator", "inference-worker")) {
            services.add(ServiceProcess.start(module, TestInfrastructure.freePort(),
                    module.equals("gateway") ? gatewayEnv : env));
        }
        for (ServiceProcess service : services) {
            service.awaitReady(Duration.ofSeconds(120));
        }
        gateway = services.get(0).baseUrl();
        try (RedisConnector redis = new RedisConnector(TestInfrastructure.get().redisUrl(), Duration.ofSeconds(5))) {
            key = new ApiKeys(redis).create("shipped-" + java.util.UUID.randomUUID()).key();
        }
        client = Clients.of(gateway, key);
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServiceProcess service : services) {
            service.close();
        }
    }

    /**
     * dev_002 with its seed-100 examples, 4 of them kept as demonstrations behind the prompt, and its 200 test examples
     * as validation: version 1's macro-F1 and accuracy, and the ICL figures beside them, are what {@code metal eval}
     * prints for the same examples, design and demonstrations; and the served answers score the report's accuracy.
     */
    @Test
    void aVersionsQualityReportIsWhatEvalComputesForTheSameExamples() throws Exception {
        DevTask task = DevTasks.load("dev_002", 100);
        int xl = 4;
        String id = Clients.registerReady(client, task.request(xl));
        Version first = DevTasks.awaitScored(client, id, 1, Duration.ofSeconds(60));
        assertEquals(task.test().size(), first.quality().validationExamples());

        Printed prompt = DevTasks.eval(task, "metal-prompt", "--pgm",
                ProjectPaths.root().resolve("models/pgm").toString(), "--xl", Integer.toString(xl));
        assertEquals(prompt, Printed.ofModel(first.quality()), "version 1 against metal eval --method metal-prompt --xl " + xl);
        Printed icl = DevTasks.eval(task, "icl");
        assertEquals(icl, Printed.ofIcl(first.quality()), "the report's ICL against metal eval --method icl");
        assertEquals(first.quality().accuracy(), DevTasks.servedAccuracy(client, id, task, 1), 1e-9,
                "the served answers are the scored ones");
        System.out.printf(Locale.ROOT, "quality report of %s seed %d, XL %d: version 1 %s, ICL %s; metal eval: %s, %s%n",
                task.name(), task.seed(), xl, Printed.ofModel(first.quality()), Printed.ofIcl(first.quality()), prompt, icl);
    }

    /** One answer a load client got: when it was sent and answered, its status, the version that answered. */
    record Answer(String task, int client, long sentNanos, long answeredNanos, int status, int version, String error) {
    }

    /**
     * dev_009 with its seed-13 examples (chosen on the development set with PGM v2, where refinement raised it most:
     * eval's accuracy 0.505 generated, 0.890 refined by 30 steps; with PGM v3 0.525 and 0.885, with PGM v4 0.54 and
     * 0.89, with PGM v5 0.735 and 0.90), refined by 30 steps in the background while four clients
     * keep predicting on it and two on another task through the gateway: every call is answered 200, each client's
     * answers move from version 1 to version 2 once and for good, the other task stays at version 1, and the task's
     * test split is served more accurately by version 2 than by version 1. The refinement is asked for once version
     * 1's accuracy is measured ({@code POST .../refine}): asked for at registration (TenantLifeIT), it is served within
     * about two seconds of the first prompt, too soon to measure version 1 through the gateway first. The numbers go
     * to {@code e2e-tests/target/refinement-under-load.json} (docs/results.md, issue 16).
     */
    @Test
    void aRefinedTaskIsServedMoreAccuratelyWithoutOneFailedRequestDuringTheSwap() throws Exception {
        DevTask task = DevTasks.load("dev_009", 13);
        DevTask other = DevTasks.load("dev_002", 100);
        String id = Clients.registerReady(client, task.request(0));
        String otherId = Clients.registerReady(client, other.request(0));
        DevTasks.awaitScored(client, id, 1, Duration.ofSeconds(60));
        double before = DevTasks.servedAccuracy(client, id, task, 1);

        List<Answer> answers = new CopyOnWriteArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 6; c++) {
            boolean mine = c < 4;
            clients.add(load(c, mine ? id : otherId, mine ? task : other, answers, running));
        }
        long refineSent;
        long refineDone;
        TaskView view;
        try {
            awaitAnswers(answers, 6, a -> true, 3);   // every client answered before the refinement is asked for
            refineSent = System.nanoTime();
            assertEquals(2, client.refine(id, Refinement.steps(30)).version());
            long deadline = refineSent + Duration.ofSeconds(90).toNanos();
            view = client.task(id);
            while (!List.of("done", "rejected").contains(view.refine().status()) && System.nanoTime() < deadline) {
                Thread.sleep(50);
                view = client.task(id);
            }
            refineDone = System.nanoTime();
            assertEquals("done", view.refine().status(), "refined and served within 90 s: " + view.versions());
            long done = refineDone;
            awaitAnswers(answers, 6, a -> a.sentNanos() > done, 3);   // and every client goes on after the swap
        } finally {
            running.set(false);
            for (Thread t : clients) {
                t.join(60_000);
            }
        }
        double after = DevTasks.servedAccuracy(client, id, task, 2);

        List<Answer> failed = answers.stream().filter(a -> a.status() != 200).toList();
        assertEquals(List.of(), failed, "every call during the swap is answered 200");
        for (int c = 0; c < 6; c++) {
            int n = c;
            List<Integer> versions = switches(answers.stream().filter(a -> a.client() == n).toList());
            assertEquals(n < 4 ? List.of(1, 2) : List.of(1), versions, "client " + c + ": the versions that answered");
        }
        Version refined = view.versions().get(1);
        assertEquals("refined", refined.source());
        assertTrue(refined.served());
        assertEquals(refined.quality().accuracy(), after, 1e-9, "the served answers are the scored ones");
        assertTrue(after > before, String.format(Locale.ROOT, "served accuracy %.3f refined, %.3f generated", after, before));

        long firstV2 = answers.stream().filter(a -> a.task().equals(id) && a.version() == 2)
                .mapToLong(Answer::answeredNanos).min().orElseThrow();
        long lastV1 = answers.stream().filter(a -> a.task().equals(id) && a.version() == 1)
                .mapToLong(Answer::answeredNanos).max().orElseThrow();
        long duringSwap = answers.stream().filter(a -> a.sentNanos() >= refineSent && a.sentNanos() <= refineDone).count();
        String report = String.format(Locale.ROOT, "{\"task\": \"%s\", \"seed\": %d, \"steps\": 30, "
                        + "\"servedAccuracyGenerated\": %.4f, \"servedAccuracyRefined\": %.4f, "
                        + "\"qualityMacroF1Generated\": %.4f, \"qualityMacroF1Refined\": %.4f, "
                        + "\"calls\": %d, \"callsNot200\": %d, \"callsSentDuringRefinement\": %d, "
                        + "\"refineSentToDoneMs\": %d, \"refineSentToFirstAnswerByV2Ms\": %d, \"lastAnswerByV1AfterFirstByV2Ms\": %d}",
                task.name(), task.seed(), before, after, view.versions().get(0).quality().macroF1(),
                refined.quality().macroF1(), answers.size(), failed.size(), duringSwap,
                (refineDone - refineSent) / 1_000_000, (firstV2 - refineSent) / 1_000_000, (lastV1 - firstV2) / 1_000_000);
        Path out = ProjectPaths.root().resolve("e2e-tests/target/refinement-under-load.json");
        Files.writeString(out, report + "\n");
        System.out.println("refinement under load: " + report);
    }

    /**
     * A client thread of the load: sends {@code task}'s test inputs 16 at a time, in turn, until {@code running} is
     * false; each call once (no retries), its answer recorded.
     */
    private static Thread load(int n, String id, DevTask task, List<Answer> answers, AtomicBoolean running) {
        MetalClient once = Clients.withoutRetries(gateway, key);
        Thread t = new Thread(() -> {
            int from = 0;
            while (running.get()) {
                List<TaskExample> chunk = task.test().subList(from, from + 16);
                from = (from + 16) % (task.test().size() - 16);
                long sent = System.nanoTime();
                try {
                    PredictionResponse r = once.predict(id, chunk.stream().map(TaskExample::input).toList());
                    answers.add(new Answer(id, n, sent, System.nanoTime(), 200, r.version(), null));
                } catch (MetalApiException e) {
                    answers.add(new Answer(id, n, sent, System.nanoTime(), e.status(), 0, e.getMessage()));
                } catch (RuntimeException e) {
                    answers.add(new Answer(id, n, sent, System.nanoTime(), 0, 0, e.toString()));   // no answer at all
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "load-" + n);
        t.start();
        return t;
    }

    /** Waits (up to 60 s) until each of the first {@code clients} load clients has {@code count} answers that {@code match}. */
    private static void awaitAnswers(List<Answer> answers, int clients, java.util.function.Predicate<Answer> match,
                                     int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (int c = 0; c < clients; c++) {
            int n = c;
            while (answers.stream().filter(a -> a.client() == n && match.test(a)).count() < count) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("load client " + n + " got fewer than " + count + " answers in 60 s");
                }
                Thread.sleep(50);
            }
        }
    }

    /** The versions that answered, in order, consecutive repeats merged. */
    private static List<Integer> switches(List<Answer> answers) {
        List<Integer> out = new ArrayList<>();
        for (Answer a : answers) {
            if (out.isEmpty() || out.get(out.size() - 1) != a.version()) {
                out.add(a.version());
            }
        }
        return out;
    }
}
