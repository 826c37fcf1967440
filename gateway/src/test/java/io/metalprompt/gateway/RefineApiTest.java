package io.metalprompt.gateway;

import static io.metalprompt.gateway.TaskApiTest.as;
import static io.metalprompt.gateway.TaskApiTest.problem;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.TaskEvent;
import io.metalprompt.events.TaskRefineRequested;
import io.metalprompt.events.Topics;
import io.metalprompt.testing.KafkaRedisTestResource;
import io.metalprompt.testing.KafkaTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/** {@code POST /v1/tasks/{id}/refine} against real Redis and Kafka. */
@QuarkusTest
@QuarkusTestResource(KafkaRedisTestResource.class)
class RefineApiTest extends KafkaTest {

    private static ValidatableResponse refine(String tenant, String id, String body) {
        return as(tenant).contentType(ContentType.JSON).body(body).when().post("/v1/tasks/" + id + "/refine").then();
    }

    private static String readyTask(String tenant, String design) {
        return TestRedis.putReadyTask(tenant, design, List.of("positive", "negative"));
    }

    @Test
    void aRefinementIsQueuedAsTheNextVersionAndPublished() {
        String tenant = "refine-" + UUID.randomUUID();
        String id = readyTask(tenant, "PREFIX");
        refine(tenant, id, "{\"steps\": 20}").statusCode(202).body("version", equalTo(2));
        TaskRefineRequested event = assertInstanceOf(TaskRefineRequested.class, EventCodec.decode(
                records(Topics.TASK_REGISTRATIONS, withKey(id), 1, IsolationLevel.READ_UNCOMMITTED).get(0).value(),
                TaskEvent.class));
        assertEquals(20, event.steps());
        as(tenant).when().get("/v1/tasks/" + id).then().statusCode(200)
                .body("refine.steps", equalTo(20)).body("refine.status", equalTo("queued"));
        problem(refine(tenant, id, "{\"steps\": 20}"), 409).body("type", containsString("refinement-in-progress"));
    }

    @Test
    void aTenantHasAtMostItsBoundOfRefinementsAtOnce() {
        String tenant = "refine-" + UUID.randomUUID();
        refine(tenant, readyTask(tenant, "PREFIX"), "{\"steps\": 5}").statusCode(202);
        refine(tenant, readyTask(tenant, "PREFIX"), "{\"steps\": 5}").statusCode(202);
        problem(refine(tenant, readyTask(tenant, "PREFIX"), "{\"steps\": 5}"), 429)
                .body("type", containsString("refinement-quota")).header("Retry-After", equalTo("2"));
    }

    @Test
    void aDiscreteTaskCannotBeRefined() {
        String tenant = "refine-" + UUID.randomUUID();
        problem(refine(tenant, readyTask(tenant, "DISCRETE"), "{\"steps\": 5}"), 422)
                .body("detail", containsString("DISCRETE"));
    }

    @Test
    void stepsOutsideOneTo200AreAProblem() {
        String tenant = "refine-" + UUID.randomUUID();
        problem(refine(tenant, readyTask(tenant, "PREFIX"), "{\"steps\": 201}"), 400)
                .body("detail", containsString("1 to 200"));
    }
}
