package io.metalprompt.gateway;

import static io.metalprompt.gateway.TaskApiTest.as;
import static io.metalprompt.gateway.TaskApiTest.problem;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.TaskIds;
import io.metalprompt.testing.KafkaRedisTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** Each quota of a tenant over HTTP: 429 with Retry-After and a detail that says which quota. */
@QuarkusTest
@TestProfile(TenantQuotaApiTest.LowQuotas.class)
class TenantQuotaApiTest {

    /** Small quotas; every test uses its own tenant, so their buckets and counts do not meet. */
    public static class LowQuotas implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("metal.gateway.quota.requests-per-second", "0.2",
                    "metal.gateway.quota.burst", "6",
                    "metal.gateway.quota.max-concurrent-requests", "1",
                    "metal.gateway.quota.max-tasks", "2",
                    // failed authentications: 3, then one every 10 s per address (the test uses its own addresses)
                    "metal.gateway.auth.failure-burst", "3",
                    "metal.gateway.auth.failures-per-minute", "6",
                    "metal.gateway.prediction-timeout", "3s");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KafkaRedisTestResource.class));
        }
    }

    @Inject
    TenantQuotas quotas;

    private static String tenant(String kind) {
        return kind + "-" + UUID.randomUUID();
    }

    @Test
    void aTenantAboveItsRateGets429WithRetryAfterAndOthersDoNot() {
        String tenant = tenant("rate");
        for (int i = 0; i < 6; i++) {
            as(tenant).get("/v1/tasks/none").then().statusCode(404);
        }
        String retryAfter = problem(as(tenant).get("/v1/tasks/none").then(), 429)
                .body("type", equalTo("urn:metal-prompt:problem:rate-limited"))
                .body("detail", containsString("more than 0.2 requests per second (bursts of 6)"))
                .extract().header("Retry-After");
        int seconds = Integer.parseInt(retryAfter);
        assertTrue(seconds >= 1 && seconds <= 5, retryAfter);
        as(tenant("other")).get("/v1/tasks/none").then().statusCode(404);
    }

    @Test
    void aTenantWithItsQuotaOfTasksGets429UntilItDeletesOne() {
        String tenant = tenant("tasks");
        String first = register(tenant).statusCode(202).extract().path("id");
        register(tenant).statusCode(202);
        problem(register(tenant), 429)
                .header("Retry-After", equalTo("2"))
                .body("type", equalTo("urn:metal-prompt:problem:task-quota"))
                .body("detail", containsString("has 2 tasks, the most it may keep"));
        as(tenant).delete("/v1/tasks/" + first).then().statusCode(204);
        register(tenant).statusCode(202);
    }

    private static io.restassured.response.ValidatableResponse register(String tenant) {
        return as(tenant).contentType(ContentType.JSON).body(TaskApiTest.SENTIMENT).post("/v1/tasks").then();
    }

    @Test
    void aTenantWithARequestInProgressGets429ForTheNext() throws Exception {
        String tenant = tenant("concurrent");
        String id = TestRedis.putReadyTask(tenant, "PREFIX", List.of("a", "b"));
        // no worker answers: the prediction holds its place until the 3 s prediction timeout (504)
        CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(() -> as(tenant).contentType(ContentType.JSON)
                .body("{\"inputs\": [\"x\"]}").post("/v1/tasks/" + id + "/predictions").statusCode());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (quotas.inProgress(tenant) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(1, quotas.inProgress(tenant), "the prediction is in progress");
        problem(as(tenant).get("/v1/tasks/" + id).then(), 429)
                .header("Retry-After", equalTo("1"))
                .body("type", equalTo("urn:metal-prompt:problem:too-many-concurrent-requests"))
                .body("detail", containsString("has reached its limit of concurrent requests (1)"));
        assertEquals(504, waiting.get().intValue());
        assertEquals(0, quotas.inProgress(tenant));
        as(tenant).get("/v1/tasks/" + id).then().statusCode(200);
    }

    /**
     * Invalid keys were never slowed down (300 in 0.6 s, all 401). After its burst of failures an address gets 429
     * with Retry-After for every call, a valid key included, until the refill; other addresses are not affected.
     * Sent from 127.0.0.2 and 127.0.0.3 so the other tests' address (127.0.0.1) keeps its budget.
     */
    @Test
    void failedAuthenticationsAreLimitedPerClientAddress() {
        byte[] wrongKey = RawHttp.request("GET /v1/tasks/" + TaskIds.next() + " HTTP/1.1",
                "Authorization: Bearer mpk_" + "x".repeat(43));
        for (int i = 0; i < 3; i++) {
            assertEquals(401, RawHttp.send(wrongKey, "127.0.0.2").status());
        }
        RawHttp.Answer refused = RawHttp.send(wrongKey, "127.0.0.2");
        assertEquals(429, refused.status(), refused::toString);
        assertEquals("application/problem+json", refused.header("Content-Type"));
        assertTrue(refused.body().contains("urn:metal-prompt:problem:too-many-failed-authentications"), refused::toString);
        int seconds = Integer.parseInt(refused.header("Retry-After"));
        assertTrue(seconds >= 1 && seconds <= 10, refused::toString);
        byte[] rightKey = RawHttp.request("GET /v1/tasks/" + TaskIds.next() + " HTTP/1.1",
                "Authorization: Bearer " + TestRedis.key(tenant("auth")));
        assertEquals(429, RawHttp.send(rightKey, "127.0.0.2").status(), "a right guess is not told from a wrong one");
        assertEquals(401, RawHttp.send(wrongKey, "127.0.0.3").status(), "another address has its own budget");
        assertEquals(404, RawHttp.send(rightKey, "127.0.0.1").status());
    }
}
