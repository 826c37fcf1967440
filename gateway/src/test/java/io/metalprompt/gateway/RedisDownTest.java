package io.metalprompt.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

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
    void notReadyButAlive() {
        given().when().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"));
        given().when().get("/q/health/live").then().statusCode(200);
    }
}
