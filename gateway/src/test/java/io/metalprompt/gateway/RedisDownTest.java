package io.metalprompt.gateway;

import io.metalprompt.events.TaskIds;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.net.URL;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** With Redis unreachable the service still starts, stays alive, and says it is not ready. */
@QuarkusTest
@TestProfile(RedisDownTest.UnreachableRedis.class)
class RedisDownTest {

    public static class UnreachableRedis implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("metal.redis.url", "redis://127.0.0.1:1", "metal.redis.timeout", "300ms",
                    "kafka.bootstrap.servers", "127.0.0.1:1");
        }
    }

    @Test
    void aCallIs503WithRetryAfterNotAnError() {
        // the key lookup needs Redis: a stored key cannot be checked
        given().header("Authorization", "Bearer mpk_" + "k".repeat(43)).when().get("/v1/tasks/" + TaskIds.next())
                .then().statusCode(503).contentType("application/problem+json")
                .header("Retry-After", equalTo("2"))   // metal.gateway.retry-after (%test), not a number of its own
                .body("detail", containsString("Redis"));
        // the bootstrap key needs no lookup, but the task does (an id of the form the gateway issues: one of another
        // form is a 404 that never reaches Redis)
        given().header("Authorization", "Bearer test-bootstrap-key-for-gateway-tests").when().get("/v1/tasks/" + TaskIds.next())
                .then().statusCode(503).contentType("application/problem+json");
    }

    @TestHTTPResource(value = "/health/ready", management = true)
    URL ready;

    @TestHTTPResource(value = "/health/live", management = true)
    URL live;

    @Test
    void notReadyButAlive() {
        given().when().get(ready).then().statusCode(503).body("status", equalTo("DOWN"));
        given().when().get(live).then().statusCode(200);
    }
}
