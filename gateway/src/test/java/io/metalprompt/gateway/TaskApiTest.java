package io.metalprompt.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.TaskEvent;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.store.ServedDesigns;
import io.metalprompt.store.TaskStore;
import io.metalprompt.testing.KafkaRedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

/** Every endpoint and every error class over HTTP, against real Redis and Kafka. */
@QuarkusTest
@QuarkusTestResource(KafkaRedisTestResource.class)
class TaskApiTest {

    static final String SENTIMENT = """
            {"examples": [{"input": "a delight from start to end", "output": "positive"},
                          {"input": "two hours I will not get back", "output": "negative"},
                          {"input": "the cast shines", "output": "positive"}]}""";

    @TestHTTPResource(value = "/metrics", management = true)
    java.net.URL metricsUrl;

    /** A request of {@link TestRedis#TENANT}, with its API key. */
    static RequestSpecification api() {
        return as(TestRedis.TENANT);
    }

    /** A request of {@code tenant}, with its API key. */
    static RequestSpecification as(String tenant) {
        return given().header("Authorization", "Bearer " + TestRedis.key(tenant));
    }

    static String register(String body) {
        return api().contentType(ContentType.JSON).body(body)
                .when().post("/v1/tasks")
                .then().statusCode(202).extract().path("id");
    }

    static ValidatableResponse problem(ValidatableResponse response, int status) {
        return response.statusCode(status)
                .contentType("application/problem+json")
                .body("status", equalTo(status))
                .body("type", startsWith("urn:metal-prompt:problem:"))
                .body("title", notNullValue())
                .body("detail", notNullValue())
                .body("instance", startsWith("/v1/tasks"))
                .body(not(containsString("Exception")));
    }

    private static ValidatableResponse post(String body) {
        return api().contentType(ContentType.JSON).body(body).when().post("/v1/tasks").then();
    }

    private static ValidatableResponse predict(String id, String body) {
        return api().contentType(ContentType.JSON).body(body).when().post("/v1/tasks/" + id + "/predictions").then();
    }

    @Test
    void registerAnswers202WithLocationAndStoresThePendingTask() {
        String id = api().contentType(ContentType.JSON).body(SENTIMENT)
                .when().post("/v1/tasks")
                .then().statusCode(202)
                .header("Location", containsString("/v1/tasks/"))
                .body("status", equalTo("pending"))
                .body("statusUrl", startsWith("/v1/tasks/"))
                .extract().path("id");
        Map<String, String> hash = TestRedis.redis().hgetall(TaskStore.taskKey(id));
        assertEquals("acme", hash.get("tenant"));
        assertEquals("pending", hash.get("status"));
        assertEquals("PREFIX", hash.get("design"));
        assertEquals("[\"positive\",\"negative\"]", hash.get("options"));
        assertEquals("0", hash.get("demonstrations"));
        assertTrue(hash.containsKey("createdAt"));
        TaskRegistered stored = (TaskRegistered) EventCodec.decode(
                TestRedis.redis().get(TaskStore.registrationKey(id)), TaskEvent.class);
        assertEquals(3, stored.examples().size());
    }

    @Test
    void locationHeaderNamesTheTask() {
        String location = post(SENTIMENT).statusCode(202).extract().header("Location");
        String id = location.substring(location.lastIndexOf('/') + 1);
        api().when().get(location).then().statusCode(200).body("id", equalTo(id));
    }

    @Test
    void getReturnsAPendingTaskWithItsDefaults() {
        String id = register(SENTIMENT);
        api().when().get("/v1/tasks/" + id).then().statusCode(200)
                .body("id", equalTo(id))
                .body("status", equalTo("pending"))
                .body("design", equalTo("PREFIX"))
                .body("options", equalTo(List.of("positive", "negative")))
                .body("createdAt", notNullValue())
                .body("promptText", nullValue());
    }

    @Test
    void getShowsTheReadablePromptOfAReadyDiscreteTask() {
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "DISCRETE", List.of("positive", "negative"));
        api().when().get("/v1/tasks/" + id).then().statusCode(200)
                .body("status", equalTo("ready"))
                .body("k", equalTo(8))
                .body("pgmVersion", equalTo("pgm-test"))
                .body("promptText", equalTo("Decide if the review is positive or negative."));
    }

    @Test
    void getHidesPromptTextForNonDiscreteDesigns() {
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("a", "b"));
        api().when().get("/v1/tasks/" + id).then().statusCode(200).body("promptText", nullValue());
    }

    @Test
    void getShowsWhyGenerationFailed() {
        String id = register(SENTIMENT);
        TestRedis.setStatus(id, "failed", "example 2 is longer than the model's context");
        api().when().get("/v1/tasks/" + id).then().statusCode(200)
                .body("status", equalTo("failed"))
                .body("reason", equalTo("example 2 is longer than the model's context"));
    }

    @Test
    void getUnknownTaskIs404() {
        problem(api().when().get("/v1/tasks/no-such-task").then(), 404)
                .body("detail", containsString("no-such-task"));
    }

    /**
     * An id is checked against the form the gateway issues before Redis sees it: {@code <id>:registration} names
     * another Redis key (a string, not the task hash), which once answered 503 for an existing task and 404 for a
     * missing one, for any tenant: an existence oracle and a key-injection path. Now every such id is a plain 404.
     */
    @Test
    void anIdNamingAnotherRedisKeyIsAPlain404ForEveryTenant() {
        String id = register(SENTIMENT);
        String missing = java.util.UUID.randomUUID().toString();
        for (String suffix : List.of(":registration", ":prompts", "%3Aregistration", "*")) {
            for (RequestSpecification caller : List.of(api(), as("intruder"))) {
                problem(caller.when().get("/v1/tasks/" + id + suffix).then(), 404)
                        .body("type", equalTo("urn:metal-prompt:problem:not-found"));
                problem(as("intruder").when().get("/v1/tasks/" + missing + suffix).then(), 404);
                problem(caller.when().delete("/v1/tasks/" + id + suffix).then(), 404);
            }
        }
        api().when().get("/v1/tasks/" + id).then().statusCode(200);
        assertEquals(1L, TestRedis.redis().exists(TaskStore.registrationKey(id)), "nothing was deleted");
    }

    @Test
    void anotherTenantCannotSeeTheTask() {
        String id = register(SENTIMENT);
        problem(as("intruder").when().get("/v1/tasks/" + id).then(), 404);
    }

    @Test
    void deleteAnswers204AndRemovesTheRedisKeys() {
        String id = register(SENTIMENT);
        api().when().delete("/v1/tasks/" + id).then().statusCode(204);
        assertEquals(0L, TestRedis.redis().exists(TaskStore.taskKey(id), TaskStore.registrationKey(id)));
        api().when().get("/v1/tasks/" + id).then().statusCode(404);
    }

    @Test
    void deleteUnknownTaskIs404() {
        problem(api().when().delete("/v1/tasks/no-such-task").then(), 404);
    }

    @Test
    void malformedJsonIs400() {
        problem(post("{\"examples\": [{\"input\": \"a\", "), 400).body("title", equalTo("Malformed JSON"));
    }

    @Test
    void unknownFieldIs400AndNamesIt() {
        problem(post("{\"examples\": [{\"input\": \"a\", \"output\": \"b\"}], \"option\": [\"b\"]}"), 400)
                .body("detail", containsString("'option'"));
    }

    @Test
    void wrongFieldTypeIs400() {
        problem(post("{\"examples\": \"not a list\"}"), 400).body("detail", containsString("examples"));
    }

    @Test
    void missingBodyIs400() {
        problem(api().contentType(ContentType.JSON).when().post("/v1/tasks").then(), 400);
    }

    @Test
    void wrongContentTypeIs415() {
        problem(api().contentType(ContentType.TEXT).body(SENTIMENT).when().post("/v1/tasks").then(), 415)
                .body("detail", containsString("application/json"));
    }

    /** No scalar coercion: a value must have its JSON type (issue 19: these were accepted, 1.5 stored as 1). */
    @Test
    void aValueOfTheWrongJsonTypeIs400NamingWhere() {
        problem(post("{\"examples\": [{\"input\": 123, \"output\": \"x\"}, {\"input\": \"b\", \"output\": \"y\"}]}"), 400)
                .body("detail", equalTo("examples[0].input must be a JSON string, not 123"));
        problem(post("{\"examples\": [{\"input\": \"a\", \"output\": true}, {\"input\": \"b\", \"output\": \"y\"}]}"), 400)
                .body("detail", equalTo("examples[0].output must be a JSON string, not true"));
        problem(post(SENTIMENT.replace("]}", "], \"options\": [\"positive\", 2.5]}")), 400)
                .body("detail", equalTo("options[1] must be a JSON string, not 2.5"));
        problem(post(SENTIMENT.replace("]}", "], \"demonstrations\": \"1\"}")), 400)
                .body("detail", equalTo("demonstrations must be a JSON integer (digits, no quotes, no fraction)"));
        problem(post(SENTIMENT.replace("]}", "], \"demonstrations\": 1.5}")), 400)
                .body("detail", equalTo("demonstrations must be a JSON integer (digits, no quotes, no fraction), not 1.5"));
        problem(post(SENTIMENT.replace("]}", "], \"demonstrations\": true}")), 400)
                .body("detail", startsWith("demonstrations must be a JSON integer"));
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("a", "b"));
        problem(predict(id, "{\"inputs\": [1]}"), 400).body("detail", equalTo("inputs[0] must be a JSON string, not 1"));
        problem(predict(id, "{\"inputs\": [\"ok\", false]}"), 400).body("detail", containsString("inputs[1]"));
    }

    /** Exactly one JSON value: nothing may follow it, and no key may come twice. */
    @Test
    void aBodyWithTrailingTokensOrARepeatedKeyIs400() {
        problem(post(SENTIMENT + "}}}"), 400).body("title", equalTo("Malformed JSON"));
        problem(post(SENTIMENT + " {}"), 400).body("title", equalTo("Malformed JSON"))
                .body("detail", equalTo("the body goes on after its JSON value; send exactly one JSON object"));
        problem(post(SENTIMENT.replace("]}", "], \"design\": \"PREFIX\", \"design\": \"DISCRETE\"}")), 400)
                .body("detail", containsString("design"));
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("a", "b"));
        problem(predict(id, "{\"inputs\": [\"ok\"]}]"), 400);
    }

    /** A body without a Content-Type is not read as JSON regardless (the OpenAPI promised 415). */
    @Test
    void aBodyWithoutContentTypeIs415() throws Exception {
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("a", "b"));
        long tasks = TestRedis.redis().scard(TaskStore.tenantTasksKey(TestRedis.TENANT));
        for (var call : List.of(Map.entry("/v1/tasks", SENTIMENT), Map.entry("/v1/tasks/" + id + "/predictions", "{\"inputs\": [\"x\"]}"))) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RestAssured.port + call.getKey()))
                    .header("Authorization", "Bearer " + TestRedis.key())
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(call.getValue()))   // java.net.http sends no Content-Type
                    .build();
            HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(415, response.statusCode(), response.body());
            assertEquals(Optional.of("application/problem+json"), response.headers().firstValue("Content-Type"));
            assertTrue(response.body().contains("Content-Type: application/json"), response.body());
        }
        assertEquals(tasks, TestRedis.redis().scard(TaskStore.tenantTasksKey(TestRedis.TENANT)), "nothing registered");
    }

    @Test
    void emptyExamplesAre400() {
        problem(post("{\"examples\": []}"), 400).body("detail", containsString("examples"));
    }

    @Test
    void blankInputIs400AndNamesTheExample() {
        problem(post("{\"examples\": [{\"input\": \"a\", \"output\": \"x\"}, {\"input\": \"  \", \"output\": \"y\"}]}"), 400)
                .body("detail", containsString("examples[1].input"));
    }

    @Test
    void unknownDesignIs422AndListsTheValidOnes() {
        problem(post(SENTIMENT.replace("]}", "], \"design\": \"MAGIC\"}")), 422)
                .body("detail", containsString("DISCRETE, WEIGHTED_SUM, HIDDEN_STATE, PREFIX"));
    }

    /**
     * A design no prompt-generator has a PGM for was accepted and failed later ("available: [PREFIX]"); the
     * prompt-generators record their designs in Redis (metal:designs) and the gateway refuses the others at once.
     */
    @Test
    void aDesignWithoutALoadedPgmIs422AtRegistration() {
        try {
            TestRedis.redis().sadd(ServedDesigns.KEY, "PREFIX", "WEIGHTED_SUM");
            problem(post(SENTIMENT.replace("]}", "], \"design\": \"DISCRETE\"}")), 422)
                    .body("detail", equalTo("this deployment has no prompt generation model for design DISCRETE; "
                            + "the designs served are [WEIGHTED_SUM, PREFIX]"));
            post(SENTIMENT.replace("]}", "], \"design\": \"weighted_sum\"}")).statusCode(202);
        } finally {
            TestRedis.redis().del(ServedDesigns.KEY);
        }
        post(SENTIMENT.replace("]}", "], \"design\": \"DISCRETE\"}")).statusCode(202);   // none said: accepted
    }

    @Test
    void outputNotAmongTheOptionsIs422AndNamesTheExample() {
        problem(post(SENTIMENT.replace("]}", "], \"options\": [\"positive\", \"neutral\"]}")), 422)
                .body("detail", containsString("examples[1].output 'negative'"));
    }

    @Test
    void fewerThanTwoOptionsAre422() {
        problem(post("{\"examples\": [{\"input\": \"a\", \"output\": \"x\"}], \"options\": [\"x\"]}"), 422)
                .body("detail", containsString("at least two"));
    }

    @Test
    void demonstrationsOutOfRangeAre422() {
        problem(post(SENTIMENT.replace("]}", "], \"demonstrations\": 3}")), 422)
                .body("detail", containsString("between 0 and 2"));
    }

    @Test
    void tooManyExamplesAre413() {
        String examples = String.join(",", Collections.nCopies(257, "{\"input\": \"a\", \"output\": \"x\"}"));
        problem(post("{\"examples\": [" + examples + "], \"options\": [\"x\", \"y\"]}"), 413)
                .body("detail", containsString("at most 256 examples"));
    }

    @Test
    void tooLongInputIs413() {
        problem(post("{\"examples\": [{\"input\": \"" + "w".repeat(2001) + "\", \"output\": \"x\"}, "
                + "{\"input\": \"b\", \"output\": \"y\"}]}"), 413)
                .body("detail", containsString("the limit is 2000"));
    }

    /** Options are bounded so that a result (a score per input and option) always fits its Kafka record. */
    @Test
    void tooManyOrTooLongOptionsAre413NamingTheLimit() {
        List<String> many = new java.util.ArrayList<>(List.of("positive", "negative"));
        for (int i = 0; many.size() < 33; i++) {
            many.add("option " + i);
        }
        problem(post(SENTIMENT.replace("]}", "], \"options\": [\"" + String.join("\", \"", many) + "\"]}")), 413)
                .body("detail", containsString("at most 32 options (metal.gateway.max-options-per-task); this one has 33"));
        problem(post(SENTIMENT.replace("]}", "], \"options\": [\"positive\", \"negative\", \"" + "o".repeat(101) + "\"]}")), 413)
                .body("detail", containsString("options[2] has 101 characters; the limit is 100 (metal.gateway.max-option-chars)"));
    }

    /** 1,000 options and 64 inputs once made a 1.65 MB result the worker retried for two minutes; now the call is refused. */
    @Test
    void predictMoreScoresThanACallMayCarryIs413() {
        List<String> options = java.util.stream.IntStream.range(0, 32).mapToObj(i -> "o" + i).toList();
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", options);
        String inputs = String.join(",", Collections.nCopies(33, "\"x\""));
        problem(predict(id, "{\"inputs\": [" + inputs + "]}"), 413)
                .body("detail", containsString("this task has 32 options, so one call may carry at most 32 inputs"))
                .body("detail", containsString("metal.gateway.max-scores-per-call is 1024"));
    }

    /** A registration Kafka would refuse (1 MB) was a 503 with Retry-After; it is a 413 before anything is stored. */
    @Test
    void aRegistrationLargerThanItsRecordLimitIs413() {
        long tasks = TestRedis.redis().scard(TaskStore.tenantTasksKey(TestRedis.TENANT));
        // within every other limit: 256 examples of 2,000 characters, each 3 bytes in UTF-8 (1.5 MB of the 2 MB body)
        String example = "{\"input\": \"" + "\u4e2d".repeat(2000) + "\", \"output\": \"x\"}";
        String body = "{\"examples\": [" + String.join(",", Collections.nCopies(255, example))
                + ", {\"input\": \"b\", \"output\": \"y\"}]}";
        problem(post(body), 413)
                .header("Retry-After", nullValue())
                .body("detail", containsString("the limit is 786432 bytes (metal.gateway.max-registration-size)"));
        assertEquals(tasks, TestRedis.redis().scard(TaskStore.tenantTasksKey(TestRedis.TENANT)), "nothing registered");
    }

    @Test
    void aBodyAnnouncedLargerThanTheLimitIs413() {
        String big = "{\"inputs\": [\"" + "x".repeat(2 * 1024 * 1024) + "\"]}";
        problem(predict("some-task", big), 413)
                .body("type", equalTo("urn:metal-prompt:problem:too-large"))
                .body("detail", containsString("has " + big.length() + " bytes; the limit is 2097152 bytes (metal.gateway.max-body-size)"));
    }

    @Test
    void aChunkedBodyLargerThanTheLimitIs413() throws Exception {
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("a", "b"));
        byte[] big = ("{\"inputs\": [\"" + "x".repeat(2 * 1024 * 1024) + "\"]}").getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RestAssured.port + "/v1/tasks/" + id + "/predictions"))
                .header("Authorization", "Bearer " + TestRedis.key())
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                // no length: the client sends the body chunked
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))
                .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(413, response.statusCode(), response.body());
        assertEquals(Optional.of("application/problem+json"), response.headers().firstValue("Content-Type"));
        assertTrue(response.body().contains("more than 2097152 bytes"), response.body());
    }

    @Test
    void predictUnknownTaskIs404() {
        problem(predict("no-such-task", "{\"inputs\": [\"hi\"]}"), 404);
    }

    @Test
    void predictPendingTaskIs409NamingItsStatus() {
        String id = register(SENTIMENT);
        problem(predict(id, "{\"inputs\": [\"hi\"]}"), 409)
                .header("Retry-After", notNullValue())
                .body("detail", containsString("is pending"));
    }

    @Test
    void predictFailedTaskIs409NamingItsStatus() {
        String id = register(SENTIMENT);
        TestRedis.setStatus(id, "failed", "too long");
        problem(predict(id, "{\"inputs\": [\"hi\"]}"), 409).body("detail", containsString("is failed"));
    }

    @Test
    void predictWithoutInputsIs400() {
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("a", "b"));
        problem(predict(id, "{\"inputs\": []}"), 400).body("detail", containsString("at least one input"));
    }

    @Test
    void predictBlankInputIs400() {
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("a", "b"));
        problem(predict(id, "{\"inputs\": [\"ok\", \" \"]}"), 400).body("detail", containsString("inputs[1]"));
    }

    /** An input of only non-breaking spaces was a 503 with Retry-After from the worker: retrying never helps. */
    @Test
    void predictAnInputOfNonBreakingSpacesIs400NotA503() {
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("a", "b"));
        problem(predict(id, "{\"inputs\": [\"\u00a0\u00a0\", \"ok\"]}"), 400)
                .header("Retry-After", nullValue())
                .body("detail", containsString("inputs[0] must be a non-blank string"));
        problem(post("{\"examples\": [{\"input\": \"\u00a0\", \"output\": \"x\"}, {\"input\": \"b\", \"output\": \"y\"}]}"), 400)
                .body("detail", containsString("examples[0].input"));
    }

    @Test
    void predictMalformedJsonIs400() {
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("a", "b"));
        problem(predict(id, "{\"inputs\": [\"ok\""), 400);
    }

    @Test
    void predictTooManyInputsIs413() {
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("a", "b"));
        String inputs = String.join(",", Collections.nCopies(65, "\"x\""));
        problem(predict(id, "{\"inputs\": [" + inputs + "]}"), 413).body("detail", containsString("at most 64 inputs"));
    }

    @Test
    void predictWithoutAWorkerIs504WithRetryAfter() {
        // Nobody consumes the request for this task: the gateway gives up after metal.gateway.prediction-timeout (5 s in tests).
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("a", "b"));
        problem(predict(id, "{\"inputs\": [\"hi\"]}"), 504)
                .header("Retry-After", equalTo("2"))
                .body("detail", containsString("within 5 s"));
    }

    /** The API description and the UI need no key (only /v1 does); the metrics are on the management port. */
    @Test
    void openApiDocumentDescribesTheEndpoints() {
        given().accept("application/json").when().get("/q/openapi").then().statusCode(200)
                .body("paths", org.hamcrest.Matchers.hasKey("/v1/tasks"))
                .body("paths", org.hamcrest.Matchers.hasKey("/v1/tasks/{id}/predictions"))
                .body("components.securitySchemes.apiKey.type", equalTo("http"))
                .body("components.securitySchemes.apiKey.scheme", equalTo("bearer"))
                .body("paths.'/v1/tasks'.post.responses", org.hamcrest.Matchers.hasKey("401"))
                .body("paths.'/v1/tasks'.post.responses", org.hamcrest.Matchers.hasKey("429"))
                .body("paths.'/v1/tasks'.post.responses", org.hamcrest.Matchers.hasKey("415"))
                .body("paths.'/v1/tasks/{id}/predictions'.post.responses", org.hamcrest.Matchers.hasKey("415"))
                .body("paths.'/v1/tasks/{id}'.get.responses", org.hamcrest.Matchers.hasKey("431"));
    }

    @Test
    void swaggerUiIsServed() {
        given().when().get("/q/swagger-ui/").then().statusCode(200);
    }

    @Test
    void metricsHaveALatencyHistogramPerEndpointAndARegistrationCounter() {
        register(SENTIMENT);
        String metrics = given().when().get(metricsUrl).then().statusCode(200).extract().asString();
        List<String> histogram = metrics.lines()
                .filter(l -> l.startsWith("metal_gateway_requests_seconds_bucket{") && l.contains("endpoint=\"register\""))
                .toList();
        assertTrue(!histogram.isEmpty(), () -> "latency histogram; metal_ lines: "
                + metrics.lines().filter(l -> l.startsWith("metal_")).toList());
        assertTrue(metrics.contains("metal_gateway_registrations_total"), "registration counter");
    }
}
