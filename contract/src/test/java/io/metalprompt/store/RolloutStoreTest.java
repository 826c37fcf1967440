package io.metalprompt.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.metalprompt.events.ModelPublished;
import io.metalprompt.testing.TestInfrastructure;

/** Against a real Redis: the version in force per base model, the rollout's progress and the lease. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RolloutStoreTest {

    private static final Instant T0 = Instant.parse("2026-06-11T02:00:00Z");
    private RedisConnector redis;
    private RolloutStore store;

    /** The Redis to run against: the single server here, the Redis Cluster in the subclass. */
    String redisUrl() {
        return TestInfrastructure.get().redisUrl();
    }

    @BeforeAll
    void connect() {
        redis = new RedisConnector(redisUrl(), Duration.ofSeconds(2));
        store = new RolloutStore(redis);
    }

    @AfterAll
    void close() {
        redis.close();
    }

    private static ModelPublished event(String fp, String version, Instant at) {
        return new ModelPublished(1, version, fp, "/models/store/pgm/" + version, Map.of("macro_f1", 0.4), at);
    }

    @Test
    void laterEventsReplaceTheVersionAndRestartTheRolloutEarlierOnesAreRefused() {
        String fp = UUID.randomUUID().toString();
        assertTrue(store.current(fp).isEmpty());
        assertTrue(store.rollout(fp).isEmpty());

        ModelPublished v1 = event(fp, "v1", T0);
        assertEquals(RolloutStore.Applied.NEWER, store.apply(v1, T0));
        assertEquals(v1, store.current(fp).orElseThrow());
        RolloutStore.Rollout r = store.rollout(fp).orElseThrow();
        assertEquals("v1", r.version());
        assertEquals("0", r.cursor());
        assertFalse(r.done());

        assertTrue(store.advance(fp, "v1", "17", false, 3, T0));
        assertEquals(RolloutStore.Applied.SAME, store.apply(v1, T0), "the same event again (another replica, a replay)");
        assertEquals("17", store.rollout(fp).orElseThrow().cursor(), "a replayed event does not restart the rollout");
        assertEquals(3, store.rollout(fp).orElseThrow().regenerated());

        ModelPublished v2 = event(fp, "v2", T0.plusSeconds(60));
        assertEquals(RolloutStore.Applied.NEWER, store.apply(v2, T0));
        assertEquals("v2", store.current(fp).orElseThrow().pgmVersion());
        assertEquals(new RolloutStore.Rollout("v2", "0", false, 0, T0), store.rollout(fp).orElseThrow());
        assertFalse(store.advance(fp, "v1", "99", true, 1, T0), "progress of a replaced rollout is not recorded");
        assertEquals("0", store.rollout(fp).orElseThrow().cursor());

        assertEquals(RolloutStore.Applied.OLDER, store.apply(v1, T0), "an old event replayed after a newer one");
        assertEquals(RolloutStore.Applied.OLDER, store.apply(event(fp, "v3", T0.plusSeconds(60)), T0),
                "of two events of the same instant the first wins");
        assertEquals("v2", store.current(fp).orElseThrow().pgmVersion());

        ModelPublished rollback = event(fp, "v1", T0.plusSeconds(120));
        assertEquals(RolloutStore.Applied.NEWER, store.apply(rollback, T0), "a rollback is a later event of an older version");
        assertEquals("v1", store.rollout(fp).orElseThrow().version());
        assertTrue(store.advance(fp, "v1", "0", true, 2, T0));
        assertTrue(store.rollout(fp).orElseThrow().done());
    }

    @Test
    void oneReplicaHoldsTheLeaseUntilItReleasesItOrItExpires() throws InterruptedException {
        String fp = UUID.randomUUID().toString();
        Duration ttl = Duration.ofSeconds(30);
        assertTrue(store.acquireLease(fp, "a", ttl));
        assertTrue(store.acquireLease(fp, "a", ttl), "the holder may take it again");
        assertFalse(store.acquireLease(fp, "b", ttl));
        assertFalse(store.renewLease(fp, "b", ttl));
        store.releaseLease(fp, "b");
        assertFalse(store.acquireLease(fp, "b", ttl), "only the holder releases");
        assertTrue(store.renewLease(fp, "a", ttl));
        store.releaseLease(fp, "a");
        assertTrue(store.acquireLease(fp, "b", Duration.ofMillis(200)));
        Thread.sleep(400);
        assertTrue(store.acquireLease(fp, "a", ttl), "a crashed holder's lease runs out");
    }
}
