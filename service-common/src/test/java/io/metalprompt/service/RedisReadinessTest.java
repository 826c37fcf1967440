package io.metalprompt.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

import io.metalprompt.store.RedisConnector;

/** With Redis unreachable the readiness check says DOWN (without throwing). */
class RedisReadinessTest {

    @Test
    void downWhileRedisIsUnreachable() {
        try (RedisConnector unreachable = new RedisConnector("redis://127.0.0.1:1", Duration.ofMillis(300))) {
            RedisReadiness check = new RedisReadiness();
            check.redis = unreachable;
            assertEquals(HealthCheckResponse.Status.DOWN, check.call().getStatus());
        }
    }
}
