package io.metalprompt.gateway;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.eclipse.microprofile.health.Readiness;

import io.metalprompt.events.Events;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Prediction;
import io.metalprompt.events.Topics;
import io.metalprompt.store.ApiKeys;
import io.metalprompt.testing.KafkaRedisTestResource;
import io.metalprompt.testing.TestInfrastructure;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.http.Method;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/**
 * Seeded random and malformed requests against the running gateway — methods, paths (long ones too), Authorization
 * variants, oversized header fields, content types and bodies (broken JSON, wrong shapes and JSON types, deep
 * nesting, huge values, too many or too long options, text blank after normalisation, invalid UTF-8) — each must get
 * an answer within the client's timeouts and none may be a 5xx; every error, the HTTP server's own included, is
 * problem+json. The one ready
 * task has a test replier that answers every prediction at once (as TestReplier does), so no call waits
 * for the prediction timeout. Same seed, same cases: a failure names the seed and the case to replay.
 */
@QuarkusTest
@QuarkusTestResource(KafkaRedisTestResource.class)
class GatewayFuzzTest {

    private static final long SEED = 0x6D65_7461_6CL;
    private static final int CASES = 300;
    private static final String TENANT = "fuzz-" + UUID.randomUUID();
    private static final String OTHER = "fuzz-other-" + UUID.randomUUID();
    /** The %test bootstrap key of application.properties. */
    private static final String BOOTSTRAP_KEY = "test-bootstrap-key-for-gateway-tests";

    @Inject
    TenantQuotas quotas;

    @Inject
    @Readiness   // a health check's qualifier
    ReplyConsumerService replies;

    private Random random;
    private String key;
    private String otherKey;
    private String revokedKey;
    private String pending;
    private String othersPending;
    private String ready;

    /** One generated request, described well enough to replay it by hand. */
    private record Case(int number, Method method, String path, List<String> authorization, String contentType,
                        String accept, int padding, byte[] body) {
        @Override
        public String toString() {
            String shownBody = body == null ? "(none)" : new String(body, StandardCharsets.UTF_8);
            if (shownBody.length() > 160) {
                shownBody = shownBody.substring(0, 160) + "... (" + body.length + " bytes)";
            }
            String shownPath = path.length() > 160 ? path.substring(0, 160) + "..." : path;
            return "case " + number + ": " + method + " " + shownPath + " auth=" + authorization.stream()
                    .map(a -> a.length() > 40 ? a.substring(0, 40) + "..." : a).toList() + " content-type=" + contentType
                    + " accept=" + accept + (padding > 0 ? " X-Padding=" + padding + " bytes" : "") + " body=" + shownBody;
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void randomAndMalformedRequestsGetA4xxOrSuccessPromptlyNeverA5xx() throws InterruptedException {
        random = new Random(SEED);
        key = TestRedis.key(TENANT);
        otherKey = TestRedis.key(OTHER);
        ApiKeys.Created revoked = TestRedis.apiKeys().create(TENANT);
        TestRedis.apiKeys().revoke(revoked.record().id());
        revokedKey = revoked.key();
        pending = register(key);
        othersPending = register(otherKey);
        ready = TestRedis.putReadyTask(TENANT, "PREFIX", List.of("yes", "no"));
        ResultsConsumer.awaitAssignment(replies, Duration.ofSeconds(60));
        CountDownLatch replierUp = new CountDownLatch(1);
        try (KafkaCompanion companion = new KafkaCompanion(TestInfrastructure.get().kafkaBootstrap(), Duration.ofSeconds(30));
             KafkaProducer<String, String> producer = new KafkaProducer<>(
                     Map.<String, Object>of("bootstrap.servers", companion.getBootstrapServers()),
                     new StringSerializer(), new StringSerializer());
             ConsumerTask<String, String> replier = companion.consumeStrings().withGroupId("fuzz-" + UUID.randomUUID())
                     .withOffsetReset(OffsetResetStrategy.EARLIEST)
                     .withOnPartitionsAssigned(assigned -> replierUp.countDown())
                     .fromTopics(Topics.INFERENCE_REQUESTS, m -> m.filter(r -> ready.equals(r.key()))
                             .invoke(request -> producer.send(TestReplier.reply(request, GatewayFuzzTest::answer))))) {
            assertTrue(replierUp.await(60, TimeUnit.SECONDS), "the test replier joined its group");
            run();
        }
    }

    /** What a worker answers: the first option for every input. */
    private static InferenceResult answer(InferenceRequest request) {
        return new InferenceResult(Events.SCHEMA_VERSION, request.requestId(), request.taskId(), InferenceResult.Status.OK,
                request.inputs().stream().map(i -> new Prediction("yes", Map.of("yes", -0.5, "no", -1.5), null)).toList(),
                null, "pgm-fuzz", System.currentTimeMillis());
    }

    private void run() {
        RestAssuredConfig timeouts = RestAssured.config().httpClient(HttpClientConfig.httpClientConfig()
                .setParam("http.connection.timeout", 5_000)
                .setParam("http.socket.timeout", 10_000));
        Map<Integer, Integer> statuses = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < CASES; i++) {
            Case c = next(i);
            long t0 = System.nanoTime();
            Response r;
            try {
                r = send(c, timeouts);
            } catch (RuntimeException e) {
                failures.add(c + " -> no answer: " + e);
                continue;
            }
            long millis = (System.nanoTime() - t0) / 1_000_000;
            int status = r.statusCode();
            statuses.merge(status, 1, Integer::sum);
            String body = r.asString();
            if (status >= 500) {
                failures.add(c + " -> " + status + " " + body);
            } else if (millis > 10_000) {   // a hang: well beyond any answer on a loaded machine
                failures.add(c + " -> answered after " + millis + " ms");
            } else if (status >= 400 && c.method() != Method.HEAD && !isProblem(r, status)) {
                failures.add(c + " -> " + status + " not problem+json: " + r.contentType() + " " + body);
            }
        }
        System.out.printf("fuzz: %d cases (seed %d) in %d ms, statuses %s%n", CASES, SEED,
                (System.nanoTime() - started) / 1_000_000, statuses);
        assertTrue(failures.isEmpty(), () -> failures.size() + " of " + CASES + " cases failed (seed " + SEED + "):\n"
                + String.join("\n", failures.subList(0, Math.min(10, failures.size()))));
        assertTrue(statuses.keySet().stream().anyMatch(s -> s < 300) && statuses.containsKey(401)
                && statuses.containsKey(400) && statuses.containsKey(404), "the cases reach past every gate: " + statuses);
        assertTrue(statuses.containsKey(414) && statuses.containsKey(431), "the cases meet the HTTP server's limits "
                + "too (request target, header fields): " + statuses);

        assertEquals(0, quotas.inProgress(TENANT), "every request gave its place back");
        given().header("Authorization", "Bearer " + key).contentType("application/json").body("{\"inputs\": [\"still there\"]}")
                .post("/v1/tasks/" + ready + "/predictions").then().statusCode(200);
    }

    private static boolean isProblem(Response r, int status) {
        if (!String.valueOf(r.contentType()).startsWith(Problems.MEDIA_TYPE)) {
            return false;
        }
        Integer inBody = r.jsonPath().get("status");
        String body = r.asString();
        return inBody != null && inBody == status && !body.contains("\tat ") && !body.contains("Exception");
    }

    private static String register(String apiKey) {
        return given().header("Authorization", "Bearer " + apiKey).contentType("application/json")
                .body(TaskApiTest.SENTIMENT).post("/v1/tasks").then().statusCode(202).extract().path("id");
    }

    private Response send(Case c, RestAssuredConfig config) {
        RequestSpecification spec = given().config(config).urlEncodingEnabled(false);
        for (String value : c.authorization()) {
            spec = spec.header("Authorization", value);
        }
        if (c.contentType() != null) {
            spec = spec.contentType(c.contentType());
        }
        if (c.accept() != null) {
            spec = spec.accept(c.accept());
        }
        if (c.padding() > 0) {
            spec = spec.header("X-Padding", "p".repeat(c.padding()));
        }
        if (c.body() != null) {
            spec = spec.body(c.body());
        }
        return spec.request(c.method(), c.path());
    }

    // --- generators ---------------------------------------------------------------------------------------------

    private <T> T pick(List<T> options) {
        return options.get(random.nextInt(options.size()));
    }

    @SafeVarargs
    private <T> T pick(Supplier<T>... options) {
        return options[random.nextInt(options.length)].get();
    }

    private static final List<Method> METHODS = List.of(Method.GET, Method.POST, Method.DELETE, Method.PUT, Method.PATCH,
            Method.HEAD, Method.OPTIONS);

    /** Mostly the API's own method and path shapes (so the cases reach the body checks), sometimes anything. */
    private Case next(int number) {
        int target = random.nextInt(100);
        Method method;
        String path;
        if (target < 40) {
            method = Method.POST;
            path = "/v1/tasks";
        } else if (target < 70) {
            method = Method.POST;
            path = "/v1/tasks/" + pick(() -> ready, () -> ready, () -> ready, this::id) + "/predictions";
        } else if (target < 85) {
            method = pick(List.of(Method.GET, Method.GET, Method.DELETE));
            path = "/v1/tasks/" + (method == Method.GET && random.nextBoolean() ? ready : id());
        } else {
            method = pick(METHODS);
            path = path();
        }
        if (random.nextInt(10) == 0) {
            method = pick(METHODS);
        }
        if (random.nextInt(10) == 0) {
            path = path + pick(List.of("?x=1", "?inputs=%00", "?a=%FF&b", "/", "//"));
        }
        if (method == Method.DELETE && path.contains(ready)) {
            method = Method.GET;   // the predictions need the ready task for the whole run
        }
        boolean withBody = method == Method.POST || method == Method.PUT || method == Method.PATCH || random.nextInt(10) == 0;
        byte[] body = withBody ? body(path) : null;
        // sometimes header fields above metal.gateway.max-header-size (20K): 431
        int padding = random.nextInt(20) == 0 ? 15_000 + random.nextInt(15_000) : 0;
        if ((padding > 0 || path.length() > 4000) && body != null && body.length > 4096) {
            // the server answers 414/431 without reading the body and closes: keep it small enough to be sent whole
            body = java.util.Arrays.copyOf(body, 4096);
        }
        return new Case(number, method, path, authorization(), contentType(), accept(), padding, body);
    }

    /** Any task id but the ready task's (a DELETE must not take away the task the predictions use). */
    private String id() {
        return pick(() -> pending, () -> pending, () -> othersPending, () -> UUID.randomUUID().toString(),
                () -> pick(List.of("", "..", "%2e%2e", "%2F", "a%2Fb", "%00", "%FF%FE", "%C3%A9t%C3%A9", "*", "~", "%25zz",
                        "x;y=1", "-", "ready-", "metal:task:x", "%20", "%0D%0AX-Injected:%201")),
                () -> "a".repeat(1 + random.nextInt(3000)),
                () -> "a".repeat(3500 + random.nextInt(3000)),   // beyond metal.gateway.max-uri-length (4096): 414
                () -> ascii(1 + random.nextInt(40)));
    }

    private String path() {
        return pick(() -> "/v1/tasks", () -> "/v1/tasks/" + id(), () -> "/v1/tasks/" + id() + "/predictions",
                () -> "/v1/tasks/" + id() + "/" + id(), () -> "/v1/" + id(), () -> "/v1/tasks/",
                () -> "/v1/tasks//predictions", () -> "/v1//tasks", () -> "/v1/tasks/" + id() + "/predictions/",
                () -> "/v1/tasks/" + ready + "/predictions/" + id());
    }

    /** Letters, digits and the URI characters that need no escaping in a path segment. */
    private String ascii(int length) {
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@";
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    private List<String> authorization() {
        int roll = random.nextInt(100);
        if (roll < 55) {
            return List.of("Bearer " + key);
        }
        if (roll < 63) {
            return List.of();
        }
        if (roll < 69) {
            return List.of("Bearer " + otherKey);
        }
        if (roll < 72) {
            return List.of("Bearer " + revokedKey);
        }
        if (roll < 75) {
            return List.of("Bearer " + BOOTSTRAP_KEY);
        }
        if (roll < 78) {
            return List.of("Bearer " + key, "Bearer " + otherKey);
        }
        return List.of(pick(() -> "Bearer", () -> "Bearer ", () -> "bearer " + key, () -> "BEARER  " + key,
                () -> "Basic Zm9vOmJhcg==", () -> key, () -> "Bearer " + key + "x", () -> "Bearer " + key.substring(1),
                () -> "Bearer " + ascii(1 + random.nextInt(300)), () -> "Bearer " + "A".repeat(4000),
                () -> "Bearer " + key.toUpperCase(), () -> "Bearer\t" + key, () -> "Token " + key,
                () -> "Bearer " + key + " extra", () -> "Bearer mpk_=====", () -> ""));
    }

    private String contentType() {
        int roll = random.nextInt(100);
        if (roll < 75) {
            return "application/json";
        }
        // (no application/x-www-form-urlencoded: RestAssured cannot send raw bytes as a form)
        return pick(List.of("text/plain", "application/json; charset=UTF-16", "application/json; charset=ISO-8859-1",
                "application/xml", "application/problem+json", "*/*", "garbage",
                "application/json;;;", "multipart/form-data; boundary=x"));
    }

    private String accept() {
        return random.nextInt(100) < 70 ? null : pick(List.of("application/json", "text/html", "application/xml",
                "*/*", "application/problem+json", "image/png", "application/json;q=0"));
    }

    private byte[] body(String path) {
        String text = pick(
                () -> path.contains("/predictions") ? predictionBody() : registrationBody(),
                () -> path.contains("/predictions") ? predictionBody() : registrationBody(),
                () -> mutate(random.nextBoolean() ? registrationBody() : predictionBody()),
                () -> mutate(random.nextBoolean() ? registrationBody() : predictionBody()),
                () -> json(4),
                () -> "[".repeat(100 + random.nextInt(5000)),
                () -> "{\"inputs\": " + "[".repeat(2000) + "\"x\"" + "]".repeat(2000) + "}",
                () -> "\"" + "a".repeat(random.nextInt(300_000)) + "\"",
                () -> pick(List.of("", "null", "[]", "{}", "\"x\"", "1e999999", "-0", "18446744073709551616", "true",
                        "{\"examples\": null}", "{\"inputs\": {}}", "{\"inputs\": [null]}", "{\"examples\": [null]}",
                        "{\"examples\": [{}]}", "{\"inputs\": [1, 2]}", "{\"demonstrations\": 1e10}",
                        "{\"examples\": [{\"input\": \"a\", \"output\": \"b\"}], \"design\": \"\\u0000\"}")));
        if (random.nextInt(12) == 0) {
            byte[] bytes = new byte[1 + random.nextInt(2000)];
            random.nextBytes(bytes);
            return bytes;
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private String registrationBody() {
        StringBuilder b = new StringBuilder("{\"examples\": [");
        int n = random.nextInt(10) == 0 ? random.nextInt(300) : 1 + random.nextInt(6);
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append("{\"input\": ").append(quoted(text()))
                    .append(", \"output\": ").append(quoted(pick(List.of("yes", "no", "maybe", text())))).append('}');
        }
        b.append(']');
        if (random.nextBoolean()) {
            b.append(", \"options\": [").append(String.join(",", pick(List.of(List.of("\"yes\"", "\"no\""),
                    List.of("\"yes\""), List.of(), List.of("\"yes\"", "\"yes\""), List.of("\"yes\"", "\"no\"", "\"maybe\""),
                    List.of("null", "\" \""), List.of("\"yes\"", "\"no\"", "\"" + "o".repeat(150) + "\""),
                    java.util.stream.IntStream.range(0, 40).mapToObj(i -> "\"o" + i + "\"").toList(),
                    List.of("\"yes\"", "1"))))).append(']');
        }
        if (random.nextBoolean()) {
            b.append(", \"design\": ").append(quoted(pick(List.of("PREFIX", "DISCRETE", "weighted_sum", "HIDDEN_STATE",
                    "MAGIC", "", " prefix "))));
        }
        if (random.nextBoolean()) {
            b.append(", \"demonstrations\": ").append(pick(List.of("0", "1", "-1", "3", "999999999999", "1.5", "\"2\"", "null")));
        }
        return b.append('}').toString();
    }

    private String predictionBody() {
        int n = random.nextInt(8) == 0 ? random.nextInt(100) : 1 + random.nextInt(4);
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            inputs.add(random.nextInt(20) == 0 ? "null" : quoted(text()));
        }
        return "{\"inputs\": [" + String.join(",", inputs) + "]}";
    }

    /** Mostly short words; sometimes blank, long, or full of escapes, controls and characters beyond the BMP. */
    private String text() {
        return pick(() -> pick(List.of("a good film", "terrible", "ok", "positive")),
                () -> pick(List.of("", " ", "\t\n")),
                () -> "w".repeat(random.nextInt(2_500)),
                () -> "\u00e9\u4e2d\ud83d\ude00\u0000\u001f\"\\/\b",
                () -> pick(List.of("\u00a0\u00a0", "\u200b\ufeff", "\u3000 \u2007\u202f")),   // blank after NFKC: 400
                () -> ascii(random.nextInt(50)));
    }

    private static String quoted(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (ch < 0x20) {
                        b.append(String.format("\\u%04x", (int) ch));
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** A random JSON value: known and unknown keys, every type, some nesting. */
    private String json(int depth) {
        int kind = random.nextInt(depth <= 0 ? 5 : 7);
        return switch (kind) {
            case 0 -> "null";
            case 1 -> Boolean.toString(random.nextBoolean());
            case 2 -> pick(List.of("0", "-1", "3.5", "1e308", "-1e-308", Long.toString(random.nextLong())));
            case 3, 4 -> quoted(text());
            case 5 -> {
                List<String> items = new ArrayList<>();
                for (int i = random.nextInt(5); i > 0; i--) {
                    items.add(json(depth - 1));
                }
                yield "[" + String.join(",", items) + "]";
            }
            default -> {
                List<String> fields = new ArrayList<>();
                for (int i = random.nextInt(5); i > 0; i--) {
                    String name = pick(List.of("examples", "inputs", "options", "design", "demonstrations", "input",
                            "output", "x", "", "__proto__"));
                    fields.add(quoted(name) + ": " + json(depth - 1));
                }
                yield "{" + String.join(",", fields) + "}";
            }
        };
    }

    private static final String INSERTS = "{}[]\",:\\0123456789aenrtu-+.eE \u0000\u00ff\ud800";

    /** A few random edits: delete, insert a structural or random character, truncate, repeat a piece. */
    private String mutate(String text) {
        StringBuilder b = new StringBuilder(text);
        for (int m = 1 + random.nextInt(4); m > 0 && b.length() > 0; m--) {
            int at = random.nextInt(b.length());
            switch (random.nextInt(5)) {
                case 0 -> b.deleteCharAt(at);
                case 1 -> b.insert(at, INSERTS.charAt(random.nextInt(INSERTS.length())));
                case 2 -> b.setLength(at);
                case 3 -> b.insert(at, b.substring(at, Math.min(b.length(), at + random.nextInt(20))));
                default -> b.setCharAt(at, (char) random.nextInt(0x3000));
            }
        }
        return b.toString();
    }
}
