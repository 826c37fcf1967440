package io.metalprompt.gateway;

import static io.metalprompt.gateway.TaskApiTest.as;
import static io.metalprompt.gateway.TaskApiTest.problem;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.metalprompt.testing.KafkaRedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/** {@code GET /v1/tasks} over HTTP against real Redis and Kafka: pages, cursors, tenants. */
@QuarkusTest
@QuarkusTestResource(KafkaRedisTestResource.class)
class TaskListApiTest {

    private static String register(String tenant) {
        return as(tenant).contentType(ContentType.JSON).body(TaskApiTest.SENTIMENT).when().post("/v1/tasks")
                .then().statusCode(202).extract().path("id");
    }

    private static JsonPath page(String tenant, String query) {
        return as(tenant).when().get("/v1/tasks" + query).then().statusCode(200)
                .contentType(ContentType.JSON).extract().jsonPath();
    }

    @Test
    void pagesGiveEveryTaskOfTheTenantOnceNewestFirstAndNoOtherTenants() throws Exception {
        String tenant = "list-" + UUID.randomUUID();
        List<String> registered = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            registered.add(0, register(tenant));
            Thread.sleep(2);   // distinct registration times: newest first is then the reverse of this order
        }
        register("other-" + tenant);

        List<String> listed = new ArrayList<>();
        JsonPath page = page(tenant, "?limit=2");
        listed.addAll(page.getList("tasks.id"));
        while (page.getString("nextCursor") != null) {
            page = page(tenant, "?limit=2&cursor=" + page.getString("nextCursor"));
            listed.addAll(page.getList("tasks.id"));
        }
        assertEquals(registered, listed);
    }

    @Test
    void aListedTaskIsItsViewWithoutVersions() {
        String tenant = "list-" + UUID.randomUUID();
        String id = register(tenant);
        as(tenant).when().get("/v1/tasks").then().statusCode(200)
                .body("tasks[0].id", equalTo(id))
                .body("tasks[0].status", equalTo("pending"))
                .body("tasks[0].design", equalTo("PREFIX"))
                .body("tasks[0].options", equalTo(List.of("positive", "negative")))
                .body("tasks[0]", not(org.hamcrest.Matchers.hasKey("versions")))
                .body("nextCursor", nullValue());
    }

    @Test
    void aDeletedTaskIsNoLongerListed() {
        String tenant = "list-" + UUID.randomUUID();
        String kept = register(tenant);
        String deleted = register(tenant);
        as(tenant).when().delete("/v1/tasks/" + deleted).then().statusCode(204);
        assertEquals(List.of(kept), page(tenant, "").getList("tasks.id"));
    }

    @Test
    void aLimitOutOfRangeIsAProblem() {
        problem(as("acme").when().get("/v1/tasks?limit=101").then(), 400)
                .body("detail", containsString("limit must be an integer from 1 to 100"));
    }

    @Test
    void aCursorTheApiDidNotGiveIsAProblem() {
        problem(as("acme").when().get("/v1/tasks?cursor=garbage").then(), 400)
                .body("detail", containsString("cursor is not one this API gave"));
    }
}
