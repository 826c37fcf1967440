package io.metalprompt.gateway;

import static io.metalprompt.gateway.TaskApiTest.as;
import static io.metalprompt.gateway.TaskApiTest.problem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.metalprompt.store.ApiKeys;
import io.metalprompt.store.TaskStore;
import io.metalprompt.testing.KafkaRedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** Every call needs a valid key; a key acts for one tenant and sees only that tenant's tasks, on every endpoint. */
@QuarkusTest
@QuarkusTestResource(KafkaRedisTestResource.class)
class AuthApiTest {

    /** The %test bootstrap key of application.properties (tenant "dev"). */
    private static final String BOOTSTRAP_KEY = "test-bootstrap-key-for-gateway-tests";

    private static RequestSpecification bearer(String key) {
        return given().header("Authorization", "Bearer " + key);
    }

    @Test
    void withoutAKeyEveryEndpointIs401WithAChallenge() {
        String id = TaskApiTest.register(TaskApiTest.SENTIMENT);
        List<Response> answers = List.of(
                given().contentType(ContentType.JSON).body(TaskApiTest.SENTIMENT).post("/v1/tasks"),
                given().get("/v1/tasks/" + id),
                given().delete("/v1/tasks/" + id),
                given().contentType(ContentType.JSON).body("{\"inputs\": [\"x\"]}").post("/v1/tasks/" + id + "/predictions"));
        for (Response r : answers) {
            problem(r.then(), 401)
                    .header("WWW-Authenticate", equalTo("Bearer realm=\"metal-prompt\""))
                    .body("type", equalTo("urn:metal-prompt:problem:unauthorized"))
                    .body("detail", containsString("Authorization: Bearer <key>"));
        }
        TaskApiTest.api().get("/v1/tasks/" + id).then().statusCode(200);
    }

    @Test
    void theKeyIsCheckedBeforeTheBodyIsRead() {
        problem(given().contentType(ContentType.JSON).body("{\"examples\": [").post("/v1/tasks").then(), 401);
        problem(bearer("mpk_unknown").contentType(ContentType.JSON).body("{\"examples\": [").post("/v1/tasks").then(), 401);
    }

    @Test
    void anUnknownOrMalformedKeyIs401InvalidToken() {
        problem(bearer("mpk_" + "Z".repeat(43)).get("/v1/tasks/x").then(), 401)
                .header("WWW-Authenticate", containsString("error=\"invalid_token\""))
                .body("detail", equalTo("the API key is not valid"));
        problem(given().header("Authorization", "Basic dXNlcjpwYXNz").get("/v1/tasks/x").then(), 401)
                .header("WWW-Authenticate", containsString("error=\"invalid_request\""));
    }

    @Inject
    ApiKeyCache keyCache;

    @Test
    void aRevokedKeyIs401FromTheNextCallOn() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!keyCache.subscribed()) {   // so the key is served from the cache until the revocation's message
            assertTrue(System.nanoTime() < deadline, "the gateway did not subscribe to key revocations");
            Thread.sleep(10);
        }
        ApiKeys.Created created = TestRedis.apiKeys().create("revoking-" + UUID.randomUUID());
        String id = bearer(created.key()).contentType(ContentType.JSON).body(TaskApiTest.SENTIMENT)
                .post("/v1/tasks").then().statusCode(202).extract().path("id");
        assertEquals(ApiKeys.Revocation.REVOKED, TestRedis.apiKeys().revoke(created.record().id()));
        problem(bearer(created.key()).get("/v1/tasks/" + id).then(), 401)
                .header("WWW-Authenticate", containsString("error=\"invalid_token\""))
                .body("detail", containsString(created.record().id() + " was revoked"));
    }

    @Test
    void theBootstrapKeyActsForTheBootstrapTenant() {
        String id = bearer(BOOTSTRAP_KEY).contentType(ContentType.JSON).body(TaskApiTest.SENTIMENT)
                .post("/v1/tasks").then().statusCode(202).extract().path("id");
        assertEquals("dev", TestRedis.redis().hget(TaskStore.taskKey(id), "tenant"));
        bearer(BOOTSTRAP_KEY).get("/v1/tasks/" + id).then().statusCode(200);
        problem(TaskApiTest.api().get("/v1/tasks/" + id).then(), 404);
    }

    @Test
    void theTaskBelongsToTheTenantOfTheKeyNotToAHeader() {
        String id = TaskApiTest.api().header("X-Tenant", "intruder").contentType(ContentType.JSON)
                .body(TaskApiTest.SENTIMENT).post("/v1/tasks").then().statusCode(202).extract().path("id");
        assertEquals(TestRedis.TENANT, TestRedis.redis().hget(TaskStore.taskKey(id), "tenant"));
    }

    /** Another tenant's task is answered exactly as a task that does not exist: nothing tells them apart. */
    @Test
    void anotherTenantsTaskIsIndistinguishableFromNoTaskOnEveryEndpoint() {
        String pending = TaskApiTest.register(TaskApiTest.SENTIMENT);
        String ready = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("a", "b"));
        String missing = UUID.randomUUID().toString();
        for (String id : List.of(pending, ready)) {
            assertSameAnswer(as("intruder").get("/v1/tasks/" + id), id,
                    as("intruder").get("/v1/tasks/" + missing), missing);
            assertSameAnswer(as("intruder").contentType(ContentType.JSON).body("{\"inputs\": [\"x\"]}")
                            .post("/v1/tasks/" + id + "/predictions"), id,
                    as("intruder").contentType(ContentType.JSON).body("{\"inputs\": [\"x\"]}")
                            .post("/v1/tasks/" + missing + "/predictions"), missing);
            assertSameAnswer(as("intruder").delete("/v1/tasks/" + id), id, as("intruder").delete("/v1/tasks/" + missing), missing);
            TaskApiTest.api().get("/v1/tasks/" + id).then().statusCode(200);   // the intruder's delete did nothing
        }
    }

    private static void assertSameAnswer(Response theirs, String theirId, Response none, String missingId) {
        ExtractableResponse<Response> a = theirs.then().statusCode(404).extract();
        ExtractableResponse<Response> b = none.then().statusCode(404).extract();
        assertEquals(b.contentType(), a.contentType());
        assertEquals(b.asString().replace(missingId, "ID"), a.asString().replace(theirId, "ID"));
        assertEquals(b.headers().asList().stream().map(h -> h.getName()).sorted().toList(),
                a.headers().asList().stream().map(h -> h.getName()).sorted().toList());
    }
}
