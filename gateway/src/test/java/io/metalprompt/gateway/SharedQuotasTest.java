package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.TenantLimits;
import io.metalprompt.testing.TestInfrastructure;

/**
 * Two gateway instances (two {@link TenantQuotas} with a Redis connection each, as two processes have) share one
 * tenant's quotas: what one admits, the other counts; with Redis unreachable both refuse with 503.
 */
class SharedQuotasTest {

    private static TenantQuotas gateway(RedisConnector redis) {
        return new TenantQuotas(new TenantQuotas.Settings(1, 3, 2), new RedisQuotaCounter(new TenantLimits(redis)),
                Duration.ofSeconds(40), 2);
    }

    @Test
    void aTenantGetsItsQuotaOnceAcrossTwoInstances() {
        String url = TestInfrastructure.get().redisUrl();
        try (RedisConnector a = new RedisConnector(url, Duration.ofSeconds(2));
             RedisConnector b = new RedisConnector(url, Duration.ofSeconds(2))) {
            TenantQuotas first = gateway(a);
            TenantQuotas second = gateway(b);
            String tenant = "shared-" + UUID.randomUUID();
            first.checkRate(tenant);
            second.checkRate(tenant);
            first.checkRate(tenant);
            ApiException limited = assertThrows(ApiException.class, () -> second.checkRate(tenant), "the burst of 3 is spent");
            assertEquals(429, limited.status());
            assertEquals(1, limited.retryAfterSeconds());

            TenantQuotas.Permit p1 = first.enter(tenant);
            TenantQuotas.Permit p2 = second.enter(tenant);
            assertEquals(429, assertThrows(ApiException.class, () -> first.enter(tenant)).status());
            p1.close();
            second.enter(tenant).close();
            p2.close();
            assertEquals(0, first.inProgress(tenant));
        }
    }

    @Test
    void withRedisUnreachableEveryInstanceFailsClosed() {
        try (RedisConnector down = new RedisConnector("redis://127.0.0.1:1", Duration.ofMillis(300))) {
            TenantQuotas quotas = gateway(down);
            ApiException e = assertThrows(ApiException.class, () -> quotas.checkRate("acme"));
            assertEquals(503, e.status());
            assertEquals(2, e.retryAfterSeconds());
            assertTrue(e.detail().contains("Redis"), e.detail());
            assertEquals(503, assertThrows(ApiException.class, () -> quotas.enter("acme")).status());
        }
    }
}
