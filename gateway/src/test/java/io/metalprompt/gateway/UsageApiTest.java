package io.metalprompt.gateway;

import static io.metalprompt.gateway.TaskApiTest.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.Events;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Prediction;
import io.metalprompt.testing.KafkaRedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** {@code GET /v1/usage} over HTTP: predictions answered through a test replier, counted once each. */
@QuarkusTest
@QuarkusTestResource(KafkaRedisTestResource.class)
class UsageApiTest extends ReplierTest {

    @TestHTTPResource(value = "/metrics", management = true)
    java.net.URL metricsUrl;

    /** A worker's answer that says it read 30 positions per input. */
    private static InferenceResult scored(InferenceRequest request) {
        return new InferenceResult(Events.SCHEMA_VERSION, request.requestId(), request.taskId(), InferenceResult.Status.OK,
                request.inputs().stream().map(i -> new Prediction("positive", Map.of("positive", -0.2, "negative", -1.8),
                        null)).toList(), null, "pgm-7", System.currentTimeMillis(), 30L * request.inputs().size());
    }

    private static void predict(String tenant, String id, String key, String body) {
        as(tenant).header("Idempotency-Key", key).contentType(ContentType.JSON).body(body)
                .when().post("/v1/tasks/" + id + "/predictions").then().statusCode(200);
    }

    @Test
    void eachAnsweredPredictionIsCountedOnceAndAReplayIsNot() {
        String tenant = "usage-" + UUID.randomUUID();
        String id = TestRedis.putReadyTask(tenant, "PREFIX", List.of("positive", "negative"));
        replier = TestReplier.answering(companion, id, UsageApiTest::scored);
        String key = UUID.randomUUID().toString();
        predict(tenant, id, key, "{\"inputs\": [\"what a film\", \"loved it\"]}");
        predict(tenant, id, key, "{\"inputs\": [\"what a film\", \"loved it\"]}");   // replayed: no second answer
        predict(tenant, id, UUID.randomUUID().toString(), "{\"inputs\": [\"dull\"]}");

        String today = LocalDate.now(ZoneOffset.UTC).toString();
        as(tenant).when().get("/v1/usage").then().statusCode(200)
                .body("tenant", equalTo(tenant))
                .body("from", equalTo(today))
                .body("to", equalTo(today))
                .body("totals.inputsAnswered", equalTo(3))
                .body("totals.tokensRead", equalTo(90))
                .body("tasks.size()", equalTo(1))
                .body("tasks[0].taskId", equalTo(id))
                .body("tasks[0].inputsAnswered", equalTo(3));
        // parsed as ObservabilityTest does: the text format on the management interface may end labels with ",}"
        List<String> lines = List.of(given().when().get(metricsUrl.toString()).then().statusCode(200)
                .extract().asString().split("\n"));
        org.junit.jupiter.api.Assertions.assertEquals(3.0, ObservabilityTest.value(lines,
                "metal_gateway_usage_inputs_answered_total{", "tenant=\"" + tenant + "\""));
        org.junit.jupiter.api.Assertions.assertEquals(90.0, ObservabilityTest.value(lines,
                "metal_gateway_usage_tokens_read_total{", "tenant=\"" + tenant + "\""));
    }

    @Test
    void anotherTenantSeesNothingOfIt() {
        String tenant = "usage-" + UUID.randomUUID();
        String id = TestRedis.putReadyTask(tenant, "PREFIX", List.of("positive", "negative"));
        replier = TestReplier.answering(companion, id, UsageApiTest::scored);
        predict(tenant, id, UUID.randomUUID().toString(), "{\"inputs\": [\"dull\"]}");
        as("other-" + tenant).when().get("/v1/usage").then().statusCode(200)
                .body("totals.inputsAnswered", equalTo(0)).body("tasks.size()", equalTo(0));
    }

    @Test
    void aDayNotInIsoFormIsAProblem() {
        as("acme").when().get("/v1/usage?from=04.12.2026").then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:metal-prompt:problem:invalid-request"))
                .body("instance", equalTo("/v1/usage"))
                .body("detail", containsString("from must be a UTC day as yyyy-mm-dd"));
    }
}
