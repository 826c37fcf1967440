package io.metalprompt.gateway;

import static io.metalprompt.gateway.TaskApiTest.as;
import static io.metalprompt.gateway.TaskApiTest.problem;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.TaskEvent;
import io.metalprompt.events.TaskExamplesAdded;
import io.metalprompt.events.Topics;
import io.metalprompt.store.PromptVersion;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.testing.KafkaRedisTestResource;
import io.metalprompt.testing.KafkaTest;
import io.metalprompt.testing.TestInfrastructure;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/** {@code POST /v1/tasks/{id}/examples} and the versions of {@code GET /v1/tasks/{id}}, against real Redis and Kafka. */
@QuarkusTest
@QuarkusTestResource(KafkaRedisTestResource.class)
class ExamplesApiTest extends KafkaTest {

    private static final String MORE = """
            {"examples": [{"input": "a warm film", "output": "positive"}, {"input": "a cold film", "output": "negative"}]}""";

    private static ValidatableResponse add(String tenant, String id, String body) {
        return as(tenant).contentType(ContentType.JSON).body(body).when().post("/v1/tasks/" + id + "/examples").then();
    }

    private static String readyTask(String tenant) {
        return TestRedis.putReadyTask(tenant, "PREFIX", List.of("positive", "negative"));
    }

    @Test
    void examplesForAReadyTaskAreAcceptedAsItsNextVersionAndPublished() {
        String tenant = "ex-" + UUID.randomUUID();
        String id = readyTask(tenant);
        add(tenant, id, MORE).statusCode(202)
                .body("id", equalTo(id)).body("version", equalTo(2)).body("statusUrl", equalTo("/v1/tasks/" + id));
        add(tenant, id, MORE).statusCode(202).body("version", equalTo(3));
        ConsumerRecord<String, String> record = records(Topics.TASK_REGISTRATIONS, withKey(id), 1,
                IsolationLevel.READ_UNCOMMITTED).get(0);
        TaskExamplesAdded event = assertInstanceOf(TaskExamplesAdded.class, EventCodec.decode(record.value(), TaskEvent.class));
        assertEquals(2, event.version());
        assertEquals(tenant, event.tenant());
        assertEquals("a warm film", event.examples().get(0).input());
    }

    @Test
    void anOutputNotAmongTheOptionsIs422() {
        String tenant = "ex-" + UUID.randomUUID();
        String id = readyTask(tenant);
        problem(add(tenant, id, "{\"examples\": [{\"input\": \"a film\", \"output\": \"neutral\"}]}"), 422)
                .body("detail", containsString("not one of the task's options"));
    }

    @Test
    void moreExamplesThanATaskMayHoldIs413() {
        String tenant = "ex-" + UUID.randomUUID();
        String id = readyTask(tenant);
        StringBuilder many = new StringBuilder("{\"examples\": [");
        for (int i = 0; i < 200; i++) {
            many.append(i == 0 ? "" : ",").append("{\"input\": \"film ").append(i).append("\", \"output\": \"positive\"}");
        }
        String body = many.append("]}").toString();
        add(tenant, id, body).statusCode(202);
        problem(add(tenant, id, body), 413).body("detail", containsString("metal.gateway.max-examples-per-task"));
    }

    @Test
    void aPendingTaskTakesNoExamplesYet() {
        String id = TaskApiTest.register(TaskApiTest.SENTIMENT);
        problem(add(TestRedis.TENANT, id, MORE), 409).header("Retry-After", equalTo("2"));
    }

    @Test
    void anotherTenantsTaskIsNotFound() {
        String id = readyTask("ex-" + UUID.randomUUID());
        problem(add("ex-" + UUID.randomUUID(), id, MORE), 404);
    }

    @Test
    void aTaskShowsItsVersionsAndWhichOneIsServed() {
        String tenant = "ex-" + UUID.randomUUID();
        String id = readyTask(tenant);
        try (RedisConnector redis = new RedisConnector(TestInfrastructure.get().redisUrl(), Duration.ofSeconds(2))) {
            TaskPrompts prompts = new TaskPrompts(redis);
            prompts.saveVersion(id, new PromptVersion(1, "generated", 3, "pgm-test", Instant.parse("2026-12-01T10:00:00Z"),
                    null, null), null);
            prompts.saveVersion(id, new PromptVersion(2, "examples", 5, "pgm-test", Instant.parse("2026-12-02T10:00:00Z"),
                    new PromptVersion.Quality(0.64, 0.72, 0.6, 0.68, 8), null), new byte[] {2});
            prompts.servePromptVersion(id, 2, "pgm-test", 8, null);
        }
        as(tenant).when().get("/v1/tasks/" + id).then().statusCode(200)
                .body("version", equalTo(2))
                .body("examples", equalTo(5))
                .body("versions.number", equalTo(List.of(1, 2)))
                .body("versions.served", equalTo(List.of(false, true)))
                .body("versions[1].source", equalTo("examples"))
                .body("versions[1].quality.macroF1", equalTo(0.64f))
                .body("versions[1].createdAt", equalTo("2026-12-02T10:00:00Z"));
    }
}
