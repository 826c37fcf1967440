package io.metalprompt.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Example;
import io.metalprompt.events.ModelPublished;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.testing.TestInfrastructure;

/**
 * An old single-server keyspace (the layout before hash tags, written here key by key as the old stores wrote it) is
 * moved to the new layout: every task is found by the stores afterwards, nothing is left under the old names, a
 * second run changes nothing, and a run killed midway is completed by the next.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyMigrationTest {

    private RedisConnector redis;
    private TaskStore store;
    private TaskPrompts prompts;

    String redisUrl() {
        return TestInfrastructure.get().redisUrl();
    }

    @BeforeAll
    void connect() {
        redis = new RedisConnector(redisUrl(), Duration.ofSeconds(5));
        store = new TaskStore(redis);
        prompts = new TaskPrompts(redis);
    }

    @AfterAll
    void close() {
        redis.close();
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    /** Writes a ready task with two prompt versions in the old layout; returns its id. */
    private String oldTask(String tenant) {
        String id = UUID.randomUUID().toString();
        RedisClusterCommands<byte[], byte[]> c = redis.sync();
        TaskRegistered reg = new TaskRegistered(1, id, tenant, List.of(new Example("a dog", "alpha")), List.of("alpha", "beta"),
                PromptDesign.PREFIX, 0, Instant.parse("2026-11-01T00:00:00Z"));
        c.set(b("metal:task:" + id + ":registration"), EventCodec.encode(reg));
        c.hset(b("metal:task:" + id), Map.of(b("tenant"), b(tenant), b("status"), b("ready"), b("design"), b("PREFIX"),
                b("options"), b("[\"alpha\",\"beta\"]"), b("demonstrations"), b("0"), b("createdAt"),
                b("2026-11-01T00:00:00Z"), b("pgmVersion"), b("v2"), b("k"), b("16")));
        c.set(b("metal:prompt:" + id + ":v1"), new byte[] {1, 0, -1});
        c.set(b("metal:prompt:" + id + ":v2"), new byte[] {2, 0, -2});
        c.sadd(b("metal:task:" + id + ":prompts"), b("v1"), b("v2"));
        c.sadd(b("metal:tenant:" + tenant + ":tasks"), b(id));
        return id;
    }

    private Set<String> oldKeysLeft() {
        Set<String> left = new HashSet<>();
        for (RedisClusterCommands<byte[], byte[]> node : redis.masters().values()) {
            for (byte[] k : node.keys(b("metal:*"))) {
                String key = new String(k, UTF_8);
                if (key.matches("metal:(task|prompt|tenant|model|rollout):.*")) {
                    left.add(key);
                }
            }
        }
        return left;
    }

    private void assertMigrated(String id, String tenant) {
        TaskRecord t = store.find(id).orElseThrow(() -> new AssertionError("task " + id + " lost"));
        assertEquals(tenant, t.tenant());
        assertEquals("v2", t.pgmVersion());
        assertEquals(16, t.k());
        assertTrue(t.ready());
        assertArrayEquals(new byte[] {1, 0, -1}, prompts.artifact(id, "v1").orElseThrow());
        assertArrayEquals(new byte[] {2, 0, -2}, prompts.artifact(id, "v2").orElseThrow());
        assertEquals(id, store.registration(id).orElseThrow().taskId());
        assertTrue(redis.sync().sismember(b(TaskStore.tenantTasksKey(tenant)), b(id)));
        assertTrue(redis.sync().zscore(b(TaskIndex.indexKey(TaskIndex.indexBucket(id))), b(id)) != null, "indexed");
        Double listedAt = redis.sync().zscore(b(TaskIndex.tenantIndexKey(tenant)), b(id));
        assertTrue(listedAt != null, "listed");
        assertEquals((double) Instant.parse("2026-11-01T00:00:00Z").toEpochMilli(), listedAt.doubleValue(),
                "listed by its registration time");
    }

    @Test
    void everyOldKeyMovesAndASecondRunChangesNothing() {
        String tenant = "mig-" + UUID.randomUUID();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ids.add(oldTask(tenant));
        }
        String fp = "fp-" + UUID.randomUUID();
        ModelPublished event = new ModelPublished(1, "v2", fp, "/models/v2", Map.of(), Instant.parse("2026-11-02T00:00:00Z"));
        RedisClusterCommands<byte[], byte[]> c = redis.sync();
        c.hset(b("metal:model:" + fp), Map.of(b("publishedAt"), b(Long.toString(event.publishedAt().toEpochMilli())),
                b("pgmVersion"), b("v2"), b("event"), EventCodec.encode(event)));
        c.hset(b("metal:rollout:" + fp), Map.of(b("version"), b("v2"), b("cursor"), b("1234"), b("done"), b("0"),
                b("regenerated"), b("3"), b("startedAt"), b("2026-11-02T00:00:01Z")));
        c.set(b("metal:rollout:" + fp + ":lease"), b("replica-1"));

        KeyMigration.Report report = new KeyMigration(redis, 3, line -> { }).run(true);
        assertTrue(report.complete());
        assertTrue(report.tasks() >= 12, report.toString());
        for (String id : ids) {
            assertMigrated(id, tenant);
        }
        assertEquals(12, store.taskCount(tenant));
        RolloutStore rollouts = new RolloutStore(redis);
        assertEquals("v2", rollouts.current(fp).orElseThrow().pgmVersion());
        RolloutStore.Rollout rollout = rollouts.rollout(fp).orElseThrow();
        assertEquals("0", rollout.cursor(), "the walk starts again over the index");
        assertEquals(3, rollout.regenerated());
        assertFalse(rollouts.renewLease(fp, "replica-1", Duration.ofSeconds(5)), "the old lease is gone");
        assertEquals(Set.of(), oldKeysLeft(), "nothing under the old names");

        KeyMigration.Report again = new KeyMigration(redis, 3, line -> { }).run(true);
        assertEquals(0, again.tasks() + again.prompts() + again.tenantSets() + again.models(), again.toString());
        for (String id : ids) {
            assertMigrated(id, tenant);
        }
        KeyMigration.Report done = new KeyMigration(redis, 3, line -> { }).run(false);
        assertEquals(0, done.keysScanned(), "a finished migration is not run again without --restart");
    }

    @Test
    void aRunKilledAtAnyKeyIsCompletedByTheNextAndATaskChangedMeanwhileIsKept() {
        String tenant = "crash-" + UUID.randomUUID();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ids.add(oldTask(tenant));
        }
        redis.sync().del(b(KeyMigration.PROGRESS_KEY));
        int runs = 0;
        while (true) {
            AtomicInteger handled = new AtomicInteger();
            KeyMigration dying = new KeyMigration(redis, 2, line -> { }, key -> {
                if (handled.incrementAndGet() == 4) {
                    throw new IllegalStateException("killed after " + key);
                }
            });
            runs++;
            try {
                dying.run(false);
                break;
            } catch (IllegalStateException e) {
                assertTrue(e.getMessage().startsWith("killed after"), e.getMessage());
                // a new service meanwhile serves a task already moved: its changes must survive the next run
                ids.stream().filter(id -> store.find(id).isPresent()).findFirst()
                        .ifPresent(id -> store.markFailed(id, "changed after the move"));
            }
            assertTrue(runs < 200, "the migration makes progress from run to run");
        }
        assertTrue(runs > 1, "the hook killed at least one run");
        int changed = 0;
        for (String id : ids) {
            TaskRecord t = store.find(id).orElseThrow(() -> new AssertionError("task " + id + " lost"));
            if ("changed after the move".equals(t.reason())) {
                changed++;
            } else {
                assertMigrated(id, tenant);
            }
        }
        assertTrue(changed >= 1, "a task changed after its move kept the change");
        assertEquals(10, store.taskCount(tenant));
        assertEquals(Set.of(), oldKeysLeft());
    }

    @Test
    void aTaskWithoutItsHashStillMoves() {
        String id = oldTask("half-" + UUID.randomUUID());
        redis.sync().del(b("metal:task:" + id));   // an old registration cut short before its hash
        new KeyMigration(redis, 100, line -> { }).run(true);
        assertTrue(store.registration(id).isPresent());
        assertTrue(store.find(id).isEmpty(), "still no task, as before");
        assertThrows(IllegalArgumentException.class, () -> new KeyMigration(redis, 0, line -> { }));
    }
}
