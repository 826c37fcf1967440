package io.metalprompt.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.restassured.http.ContentType;
import io.restassured.response.Response;

import io.metalprompt.testing.TestInfrastructure;
import io.metalprompt.testing.TinyModels;

/**
 * A PGM rollout and a rollback under continuous load, through the packaged services and the packaged trainer's
 * {@code metal store} commands: two store versions are made from the tiny PREFIX PGM, then published one after the
 * other and the first again. One client per task keeps predicting all along; no request may fail, every answer names
 * the PGM version that served it, and per task the versions go start-up -> v1 -> v2 -> v1, each switch once and for
 * good. A task of a design the versions do not hold keeps its prompt throughout.
 */
class RolloutIT {

    private static final List<ServiceProcess> services = new ArrayList<>();
    private static Path store;
    private static String key;

    /** One answer a client got: the HTTP status and, for 200, the PGM version the answer names. */
    record Answer(int status, String pgmVersion, String body) {
    }

    @BeforeAll
    static void start() throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        // four clients in a loop send 20-60 requests per second, around the default tenant rate (20/s, burst 40):
        // a faster served path would get 429s that have nothing to do with the rollout, so this tenant's rate is raised
        services.addAll(ServiceProcess.startTinySystem(Map.of(), Map.of("METAL_GATEWAY_QUOTA_REQUESTS_PER_SECOND", "1000",
                "METAL_GATEWAY_QUOTA_BURST", "1000")));
        store = Files.createTempDirectory("metal-rollout-it-store");
        try (io.metalprompt.store.RedisConnector redis = new io.metalprompt.store.RedisConnector(infra.redisUrl(),
                Duration.ofSeconds(5))) {
            key = new io.metalprompt.store.ApiKeys(redis).create("rollout-it").key();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServiceProcess service : services) {
            service.close();
        }
        if (store != null) {
            try (var walk = Files.walk(store)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** A call of the test's tenant, with its API key. */
    private static io.restassured.specification.RequestSpecification api(String gateway) {
        return given().baseUri(gateway).header("Authorization", "Bearer " + key);
    }

    private static String register(String gateway, String design) {
        List<Map<String, String>> examples = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            examples.add(Map.of("input", "the film number " + i + " was " + (i % 2 == 0 ? "a delight" : "a bore"),
                    "output", i % 2 == 0 ? "good" : "bad"));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("examples", examples);
        body.put("options", List.of("good", "bad"));
        body.put("design", design);
        body.put("demonstrations", 1);
        return api(gateway).contentType(ContentType.JSON).body(body)
                .when().post("/v1/tasks").then().statusCode(202).extract().path("id");
    }

    private static String taskVersion(String gateway, String id) {
        return api(gateway).when().get("/v1/tasks/" + id).then().extract().path("pgmVersion");
    }

    @Test
    void publishedVersionsRollOutAndBackUnderLoadWithoutAFailedRequest() throws Exception {
        String gateway = services.get(0).baseUrl();
        List<String> prefixTasks = List.of(register(gateway, "PREFIX"), register(gateway, "PREFIX"),
                register(gateway, "PREFIX"));
        String other = register(gateway, "WEIGHTED_SUM");
        List<String> all = new ArrayList<>(prefixTasks);
        all.add(other);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (String id : all) {
            while (!"ready".equals(api(gateway).when().get("/v1/tasks/" + id).then().extract().path("status"))) {
                assertTrue(System.nanoTime() < deadline, "task " + id + " not ready within 60 s");
                Thread.sleep(200);
            }
        }
        String startVersion = taskVersion(gateway, prefixTasks.get(0));
        String otherVersion = taskVersion(gateway, other);

        Path pgm = Path.of(TinyModels.config().get("metal.model.pgm")).resolve("prefix");
        String v1 = MetalCli.lastLine("store", "add", "--store", store.toString(), "--pgm", pgm.toString());
        String v2 = MetalCli.lastLine("store", "add", "--store", store.toString(), "--pgm", pgm.toString());
        assertNotEquals(v1, v2);

        Map<String, List<Answer>> answers = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> clients = new ArrayList<>();
        for (String id : all) {
            List<Answer> mine = new CopyOnWriteArrayList<>();
            answers.put(id, mine);
            Thread t = new Thread(() -> {
                while (running.get()) {
                    Response r = api(gateway).contentType(ContentType.JSON)
                            .body(Map.of("inputs", List.of("the film was a delight", "the film was a bore")))
                            .when().post("/v1/tasks/" + id + "/predictions");
                    mine.add(new Answer(r.statusCode(), r.statusCode() == 200 ? r.path("pgmVersion") : null, r.asString()));
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "client-" + id);
            clients.add(t);
            t.start();
        }
        try {
            awaitAnswers(answers, prefixTasks, startVersion, sizes(answers));
            for (String v : List.of(v1, v2, v1)) {   // roll out v1, then v2, then roll back to v1
                Map<String, Integer> before = sizes(answers);
                MetalCli.lastLine("store", "publish", "--store", store.toString(), "--id", v,
                        "--kafka", TestInfrastructure.get().kafkaBootstrap());
                awaitAnswers(answers, prefixTasks, v, before);
            }
            awaitAnswers(answers, List.of(other), otherVersion, sizes(answers));
        } finally {
            running.set(false);
            for (Thread t : clients) {
                t.join(30_000);
            }
        }

        for (Map.Entry<String, List<Answer>> e : answers.entrySet()) {
            for (Answer a : e.getValue()) {
                assertEquals(200, a.status(), "task " + e.getKey() + ": a request failed during the rollout: " + a.body());
                assertTrue(a.pgmVersion() != null && !a.pgmVersion().isBlank(), "every answer names its PGM version");
            }
        }
        for (String id : prefixTasks) {
            assertEquals(List.of(startVersion, v1, v2, v1), switches(answers.get(id)),
                    "task " + id + ": each switch once, in publication order, never back and forth");
            assertEquals(v1, taskVersion(gateway, id));
        }
        assertEquals(List.of(otherVersion), switches(answers.get(other)), "a design the versions do not hold stays");
    }

    private static Map<String, Integer> sizes(Map<String, List<Answer>> answers) {
        Map<String, Integer> sizes = new java.util.HashMap<>();
        answers.forEach((id, list) -> sizes.put(id, list.size()));
        return sizes;
    }

    /** Waits until each task's client has had an answer naming {@code version} among its answers after {@code from}. */
    private static void awaitAnswers(Map<String, List<Answer>> answers, List<String> tasks, String version,
                                     Map<String, Integer> from) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        for (String id : tasks) {
            while (!named(answers.get(id), from.get(id), version)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("task " + id + " not answered with PGM version " + version
                            + " within 120 s; its answers named " + switches(answers.get(id)));
                }
                Thread.sleep(100);
            }
        }
        // a few more answers after the switch, so a switch back would be seen
        int[] seen = tasks.stream().mapToInt(id -> answers.get(id).size()).toArray();
        for (int i = 0; i < tasks.size(); i++) {
            while (answers.get(tasks.get(i)).size() < seen[i] + 3) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("task " + tasks.get(i) + " gets no answers any more");
                }
                Thread.sleep(50);
            }
        }
    }

    /** True when one of {@code answers} from index {@code from} on names {@code version} (read while clients append). */
    private static boolean named(List<Answer> answers, int from, String version) {
        Object[] snapshot = answers.toArray();
        for (int i = from; i < snapshot.length; i++) {
            if (version.equals(((Answer) snapshot[i]).pgmVersion())) {
                return true;
            }
        }
        return false;
    }

    /** The versions a task's answers named, consecutive repeats merged. */
    private static List<String> switches(List<Answer> answers) {
        List<String> out = new ArrayList<>();
        for (Answer a : answers) {
            if (a.pgmVersion() != null && (out.isEmpty() || !out.get(out.size() - 1).equals(a.pgmVersion()))) {
                out.add(a.pgmVersion());
            }
        }
        return out;
    }
}
