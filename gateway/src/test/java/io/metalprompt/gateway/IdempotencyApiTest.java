package io.metalprompt.gateway;

import static io.metalprompt.gateway.TaskApiTest.as;
import static io.metalprompt.gateway.TaskApiTest.problem;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.metalprompt.testing.KafkaRedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;

/** {@code Idempotency-Key} over HTTP against real Redis and Kafka. */
@QuarkusTest
@QuarkusTestResource(KafkaRedisTestResource.class)
class IdempotencyApiTest {

    private static final String OTHER_BODY = """
            {"examples": [{"input": "a delight", "output": "positive"}, {"input": "a bore", "output": "negative"}]}""";

    private static ExtractableResponse<Response> register(String tenant, String key, String body) {
        return as(tenant).header("Idempotency-Key", key).contentType(ContentType.JSON).body(body)
                .when().post("/v1/tasks").then().extract();
    }

    @Test
    void aRetriedRegistrationGetsTheFirstAnswerAndMakesOneTask() {
        String tenant = "idem-" + UUID.randomUUID();
        String key = UUID.randomUUID().toString();
        ExtractableResponse<Response> first = register(tenant, key, TaskApiTest.SENTIMENT);
        // the same body, spaced otherwise: the same request
        ExtractableResponse<Response> again = register(tenant, key, TaskApiTest.SENTIMENT.replace("\n", "   ").replace("\": \"", "\":\""));
        assertEquals(202, first.statusCode());
        assertEquals(202, again.statusCode());
        assertEquals(first.body().asString(), again.body().asString());
        assertEquals(first.header("Location"), again.header("Location"));
        assertEquals("true", again.header("Idempotent-Replayed"));
        assertEquals(null, first.header("Idempotent-Replayed"));
        as(tenant).when().get("/v1/tasks").then().statusCode(200).body("tasks.size()", equalTo(1));
    }

    @Test
    void theSameKeyWithAnotherBodyIs422() {
        String tenant = "idem-" + UUID.randomUUID();
        String key = UUID.randomUUID().toString();
        register(tenant, key, TaskApiTest.SENTIMENT);
        problem(as(tenant).header("Idempotency-Key", key).contentType(ContentType.JSON).body(OTHER_BODY)
                .when().post("/v1/tasks").then(), 422)
                .body("type", equalTo("urn:metal-prompt:problem:idempotency-key-reused"));
    }

    @Test
    void anotherTenantsKeyIsNotShared() {
        String key = UUID.randomUUID().toString();
        String first = register("idem-" + UUID.randomUUID(), key, TaskApiTest.SENTIMENT).path("id");
        ExtractableResponse<Response> other = register("idem-" + UUID.randomUUID(), key, TaskApiTest.SENTIMENT);
        assertEquals(202, other.statusCode());
        assertNotEquals(first, other.path("id"));
        assertEquals(null, other.header("Idempotent-Replayed"));
    }

    @Test
    void aRefusalIsReplayedToo() {
        String tenant = "idem-" + UUID.randomUUID();
        String key = UUID.randomUUID().toString();
        String bad = "{\"examples\": [{\"input\": \"a\", \"output\": \"b\"}], \"options\": [\"x\", \"y\"]}";
        problem(as(tenant).header("Idempotency-Key", key).contentType(ContentType.JSON).body(bad)
                .when().post("/v1/tasks").then(), 422).header("Idempotent-Replayed", nullValue());
        problem(as(tenant).header("Idempotency-Key", key).contentType(ContentType.JSON).body(bad)
                .when().post("/v1/tasks").then(), 422).header("Idempotent-Replayed", equalTo("true"))
                .body("detail", containsString("not one of the options"));
    }

    @Test
    void aKeyWithSpacesIsAProblem() {
        problem(as("acme").header("Idempotency-Key", "two words").contentType(ContentType.JSON)
                .body(TaskApiTest.SENTIMENT).when().post("/v1/tasks").then(), 400)
                .body("detail", containsString("Idempotency-Key"));
    }
}
