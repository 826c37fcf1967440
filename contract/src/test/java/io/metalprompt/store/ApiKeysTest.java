package io.metalprompt.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.metalprompt.testing.TestInfrastructure;

/**
 * Against a real Redis: a key's life (created, authenticates, listed, revoked, the revocation published) and what Redis
 * never holds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiKeysTest {

    private RedisConnector redis;
    private ApiKeys keys;

    /** The Redis to run against: the single server here, the Redis Cluster in the subclass. */
    String redisUrl() {
        return TestInfrastructure.get().redisUrl();
    }

    @BeforeAll
    void connect() {
        redis = new RedisConnector(redisUrl(), Duration.ofSeconds(2));
        keys = new ApiKeys(redis);
    }

    @AfterAll
    void close() {
        redis.close();
    }

    private static String tenant() {
        return "t-" + UUID.randomUUID();
    }

    @Test
    void aCreatedKeyAuthenticatesItsTenantUntilRevoked() {
        String tenant = tenant();
        ApiKeys.Created created = keys.create(tenant);
        assertTrue(created.key().startsWith(ApiKeys.PREFIX), created.record().id());
        assertTrue(created.key().length() >= ApiKeys.PREFIX.length() + 43, "32 random bytes, base64url");
        assertEquals(tenant, keys.find(created.key()).orElseThrow().tenant());
        assertFalse(keys.find(created.key()).orElseThrow().revoked());

        assertEquals(ApiKeys.Revocation.REVOKED, keys.revoke(created.record().id()));
        ApiKeys.ApiKey revoked = keys.find(created.key()).orElseThrow();
        assertTrue(revoked.revoked());
        assertEquals(ApiKeys.Revocation.ALREADY_REVOKED, keys.revoke(created.record().id()));
        assertEquals(ApiKeys.Revocation.UNKNOWN, keys.revoke("key_nosuchkey"));
    }

    @Test
    void aRevocationIsPublishedWithTheKeysHashEachTimeItIsAsked() throws Exception {
        ApiKeys.Created created = keys.create(tenant());
        BlockingQueue<String> heard = new LinkedBlockingQueue<>();
        CountDownLatch subscribed = new CountDownLatch(1);
        AutoCloseable subscription = redis.subscribe(ApiKeys.REVOKED_CHANNEL, heard::add, subscribed::countDown)
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        try {
            assertTrue(subscribed.await(10, TimeUnit.SECONDS), "Redis confirmed the subscription");
            String hash = ApiKeys.hash(created.key());
            assertEquals(ApiKeys.Revocation.REVOKED, keys.revoke(created.record().id()));
            assertEquals(hash, next(heard, hash));
            assertEquals(ApiKeys.Revocation.ALREADY_REVOKED, keys.revoke(created.record().id()));
            assertEquals(hash, next(heard, hash), "published again, for a gateway that missed the first");
        } finally {
            subscription.close();
        }
    }

    /** The next message that is {@code hash} (other tests' revocations may come between), or null after 5 s. */
    private static String next(BlockingQueue<String> heard, String hash) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (String m; (m = heard.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) != null; ) {
            if (m.equals(hash)) {
                return m;
            }
        }
        return null;
    }

    @Test
    void unknownOrAlteredKeysDoNotAuthenticate() {
        ApiKeys.Created created = keys.create(tenant());
        assertTrue(keys.find("mpk_" + "A".repeat(43)).isEmpty());
        assertTrue(keys.find(created.key() + "x").isEmpty());
        assertTrue(keys.find(created.key().substring(1)).isEmpty());
        assertTrue(keys.find("").isEmpty());
        assertTrue(keys.find(null).isEmpty());
    }

    @Test
    void everyKeyIsDifferent() {
        String tenant = tenant();
        ApiKeys.Created a = keys.create(tenant);
        ApiKeys.Created b = keys.create(tenant);
        assertNotEquals(a.key(), b.key());
        assertNotEquals(a.record().id(), b.record().id());
    }

    @Test
    void listingShowsRecordsPerTenantButNeverTheKey() {
        String tenant = tenant();
        ApiKeys.Created first = keys.create(tenant);
        ApiKeys.Created second = keys.create(tenant);
        keys.create(tenant());
        keys.revoke(first.record().id());

        List<ApiKeys.ApiKey> listed = keys.list(tenant);
        assertEquals(List.of(first.record().id(), second.record().id()), listed.stream().map(ApiKeys.ApiKey::id).toList());
        assertTrue(listed.get(0).revoked());
        assertNull(listed.get(1).revokedAt());
        assertTrue(listed.stream().allMatch(k -> tenant.equals(k.tenant()) && k.createdAt() != null));
        assertTrue(keys.list(null).size() >= 3);
        assertFalse(first.toString().contains(first.key()), "the key stays out of toString (and so out of logs)");
    }

    @Test
    void redisHoldsOnlyTheHashOfAKey() {
        ApiKeys.Created created = keys.create(tenant());
        RedisClusterCommands<byte[], byte[]> c = redis.sync();
        byte[] secret = created.key().getBytes(UTF_8);
        byte[] secretPart = created.key().substring(ApiKeys.PREFIX.length()).getBytes(UTF_8);
        ScanCursor cursor = ScanCursor.INITIAL;
        int scanned = 0;
        do {
            KeyScanCursor<byte[]> page = c.scan(cursor, ScanArgs.Builder.matches("metal:apikey*").limit(500));
            for (byte[] key : page.getKeys()) {
                scanned++;
                assertFalse(contains(key, secretPart), "a Redis key name holds the API key");
                for (Map.Entry<byte[], byte[]> field : c.hgetall(key).entrySet()) {
                    assertFalse(contains(field.getValue(), secretPart) || contains(field.getValue(), secret),
                            "a stored value holds the API key");
                }
            }
            cursor = page;
        } while (!cursor.isFinished());
        assertTrue(scanned >= 2, "the record and the index were scanned");
        assertEquals(1L, c.exists(ApiKeys.recordKey(ApiKeys.hash(created.key())).getBytes(UTF_8)));
    }

    @Test
    void tenantNamesAreChecked() {
        for (String bad : new String[] {"", " ", "a b", "a:b", "-a", "x".repeat(65), "ü"}) {
            assertThrows(IllegalArgumentException.class, () -> keys.create(bad), bad);
        }
        keys.create("Acme.Corp_1-eu");
    }

    @Test
    void theHashIsSha256InHex() {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ApiKeys.hash("abc"));
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
