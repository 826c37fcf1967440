package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.metalprompt.store.ApiKeys;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.testing.TestInfrastructure;

/**
 * Two gateway instances (a Redis connection, a key cache kept for an hour and a revocation subscription each, as two
 * processes have) and an operator who revokes a key through {@link ApiKeys#revoke}, as {@code metal keys revoke}
 * does: both gateways serve the key from their caches until then, and refuse it as soon as the revocation's message
 * arrives, not an hour later.
 */
class SharedKeyRevocationTest {

    /** Long enough that only the revocation's message can make a gateway read the key again. */
    private static final Duration TTL = Duration.ofHours(1);
    /** The message travels after {@code revoke} returns: allowed this long, far below the cache's time. */
    private static final Duration AT_ONCE = Duration.ofSeconds(1);

    /** One gateway's key check, its Redis reads of keys counted. */
    private static final class Gateway implements AutoCloseable {
        final AtomicInteger reads = new AtomicInteger();
        final RedisConnector redis;
        final ApiKeyCache cache;
        final KeyRevocations revocations;
        final Authenticator auth;

        Gateway(String url) {
            redis = new RedisConnector(url, Duration.ofSeconds(2));
            ApiKeys keys = new ApiKeys(redis);
            cache = new ApiKeyCache(hash -> {
                reads.incrementAndGet();
                return keys.findByHash(hash);
            }, TTL, 100);
            revocations = new KeyRevocations(redis, cache, Duration.ofSeconds(1));
            revocations.start();
            auth = new Authenticator(cache::find, Optional.empty(), "dev");
        }

        String tenantOf(String key) {
            return auth.tenantOf(List.of("Bearer " + key));
        }

        @Override
        public void close() {
            revocations.close();
            redis.close();
        }
    }

    @Test
    void aKeyRevokedByTheOperatorIsRefusedAtOnceByEveryGatewaysCache() throws InterruptedException {
        String url = TestInfrastructure.get().redisUrl();
        try (Gateway first = new Gateway(url); Gateway second = new Gateway(url);
             RedisConnector operator = new RedisConnector(url, Duration.ofSeconds(2))) {
            awaitSubscribed(first);
            awaitSubscribed(second);
            String tenant = "revoking-" + UUID.randomUUID();
            ApiKeys.Created created = new ApiKeys(operator).create(tenant);
            for (Gateway gateway : List.of(first, second)) {
                assertEquals(tenant, gateway.tenantOf(created.key()));
                assertEquals(tenant, gateway.tenantOf(created.key()));
                assertEquals(1, gateway.reads.get(), "the second call was answered from the cache");
            }

            assertEquals(ApiKeys.Revocation.REVOKED, new ApiKeys(operator).revoke(created.record().id()));
            long deadline = System.nanoTime() + AT_ONCE.toNanos();
            for (Gateway gateway : List.of(first, second)) {
                ApiException refused = refusedBy(gateway, created.key(), deadline);
                assertEquals(401, refused.status());
                assertTrue(refused.detail().contains(created.record().id() + " was revoked"), refused.detail());
                assertEquals(2, gateway.reads.get(), "read again once, on the revocation's message");
            }
        }
    }

    private static void awaitSubscribed(Gateway gateway) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!gateway.cache.subscribed()) {
            assertTrue(System.nanoTime() < deadline, "the gateway did not subscribe to revocations");
            Thread.sleep(10);
        }
    }

    /** The gateway's refusal of the key, waited for until {@code deadline} (the message's flight). */
    private static ApiException refusedBy(Gateway gateway, String key, long deadline) throws InterruptedException {
        while (true) {
            try {
                gateway.tenantOf(key);
            } catch (ApiException e) {
                return e;
            }
            assertTrue(System.nanoTime() < deadline, "the revoked key was still accepted after " + AT_ONCE);
            Thread.sleep(1);
        }
    }
}
