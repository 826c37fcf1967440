package io.metalprompt.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.metalprompt.events.Example;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.testing.TestInfrastructure;

/** Against a real Redis: a task's life from pending to ready (or failed) to deleted. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TaskStoreTest {

    private RedisConnector redis;
    private TaskStore store;
    private TaskIndex index;
    private TaskPrompts prompts;
    private ExampleStore examples;
    private Refinements refinements;

    /** The Redis to run against: the single server here, the Redis Cluster in the subclass. */
    String redisUrl() {
        return TestInfrastructure.get().redisUrl();
    }

    @BeforeAll
    void connect() {
        redis = new RedisConnector(redisUrl(), Duration.ofSeconds(2));
        store = new TaskStore(redis);
        index = new TaskIndex(redis);
        prompts = new TaskPrompts(redis);
        examples = new ExampleStore(redis);
        refinements = new Refinements(redis);
    }

    @AfterAll
    void close() {
        redis.close();
    }

    private static TaskRegistered task(String id) {
        return task(id, "acme");
    }

    private static TaskRegistered task(String id, String tenant) {
        return new TaskRegistered(1, id, tenant, List.of(new Example("a dog", "alpha"), new Example("a car", "beta")),
                List.of("alpha", "beta"), PromptDesign.DISCRETE, 1, Instant.parse("2026-11-26T06:00:00Z"));
    }

    @Test
    void registeredTaskIsPendingThenReadyWithItsPrompt() {
        String id = UUID.randomUUID().toString();
        store.register(task(id));
        TaskRecord pending = store.find(id).orElseThrow();
        assertEquals(TaskRecord.PENDING, pending.status());
        assertEquals(List.of("alpha", "beta"), pending.options());
        assertEquals(1, pending.demonstrations());
        assertEquals(task(id), store.registration(id).orElseThrow());

        byte[] artifact = {1, 2, 3, 0, -1};
        prompts.storeReady(id, "pgm-1", 8, "alpha beta gamma", artifact);
        TaskRecord ready = store.find(id).orElseThrow();
        assertTrue(ready.ready());
        assertEquals("pgm-1", ready.pgmVersion());
        assertEquals(8, ready.k());
        assertEquals("alpha beta gamma", ready.promptText());
        assertArrayEquals(artifact, prompts.artifact(id, "pgm-1").orElseThrow());
    }

    @Test
    void failedTaskCarriesItsReason() {
        String id = UUID.randomUUID().toString();
        store.register(task(id));
        store.markFailed(id, "example 2 is longer than the model's 256 positions");
        TaskRecord failed = store.find(id).orElseThrow();
        assertEquals(TaskRecord.FAILED, failed.status());
        assertEquals("example 2 is longer than the model's 256 positions", failed.reason());
    }

    @Test
    void deleteRemovesTaskRegistrationAndEveryPromptVersion() {
        String id = UUID.randomUUID().toString();
        store.register(task(id));
        prompts.storeReady(id, "pgm-1", 8, null, new byte[] {1});
        prompts.storeReady(id, "pgm-2", 8, null, new byte[] {2});
        store.delete(id);
        assertTrue(store.find(id).isEmpty());
        assertTrue(store.registration(id).isEmpty());
        assertTrue(prompts.artifact(id, "pgm-1").isEmpty());
        assertTrue(prompts.artifact(id, "pgm-2").isEmpty());
    }

    @Test
    void aDeletedTaskDoesNotComeBackFromALateRegistrationOrPrompt() {
        String id = UUID.randomUUID().toString();
        store.register(task(id));
        store.delete(id);
        assertTrue(store.deleted(id));
        assertFalse(prompts.storeReady(id, "pgm-1", 8, "a b", new byte[] {1}), "a prompt made meanwhile is not stored");
        store.markFailed(id, "too late");
        assertFalse(store.register(task(id)), "the registration record read after the deletion");
        assertTrue(store.find(id).isEmpty(), "no part of the task's hash came back");
        assertTrue(store.registration(id).isEmpty());
        assertTrue(prompts.artifact(id, "pgm-1").isEmpty());
        assertTrue(index.newest(task(id).tenant(), null, null, 1000).stream().noneMatch(e -> e.taskId().equals(id)),
                "not listed again");
    }

    @Test
    void aTenantCannotRegisterMoreTasksThanItsQuotaAndADeletionFreesASlot() {
        String tenant = "quota-" + UUID.randomUUID();
        String first = UUID.randomUUID().toString();
        String second = UUID.randomUUID().toString();
        assertTrue(store.register(task(first, tenant), 2));
        assertTrue(store.register(task(second, tenant), 2));
        assertTrue(store.register(task(first, tenant), 2), "registering a task it already has takes no new slot");
        String third = UUID.randomUUID().toString();
        assertFalse(store.register(task(third, tenant), 2));
        assertTrue(store.find(third).isEmpty(), "a refused task leaves nothing behind");
        assertTrue(store.registration(third).isEmpty());
        assertEquals(2, store.taskCount(tenant));
        assertTrue(store.register(task(third, "other-" + tenant), 2), "another tenant's quota is its own");

        store.delete(first);
        assertEquals(1, store.taskCount(tenant));
        assertTrue(store.register(task(third, tenant), 2));
    }

    @Test
    void tasksRegisteredWithoutAQuotaStillCount() {
        String tenant = "direct-" + UUID.randomUUID();
        String id = UUID.randomUUID().toString();
        store.register(task(id, tenant));
        assertEquals(1, store.taskCount(tenant));
        assertFalse(store.register(task(UUID.randomUUID().toString(), tenant), 1));
        store.delete(id);
        assertEquals(0, store.taskCount(tenant));
    }

    @Test
    void aWalkOverTasksFindsEveryTaskAndCanBeResumedFromItsCursor() {
        java.util.Set<String> mine = new java.util.HashSet<>();
        for (int i = 0; i < 7; i++) {
            String id = UUID.randomUUID().toString();
            store.register(task(id));
            mine.add(id);
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        String cursor = "0";
        int pages = 0;
        do {
            TaskIndex.TaskPage page = index.scanTasks(cursor, 2);
            seen.addAll(page.taskIds());
            cursor = page.cursor();
            pages++;
        } while (!"0".equals(cursor) && pages < 10_000);
        assertTrue(seen.containsAll(mine), "every task, however the walk was cut into pages");
        assertTrue(pages > 1);
    }

    @Test
    void switchingVersionsKeepsTheCurrentAndThePreviousPromptOnly() {
        String id = UUID.randomUUID().toString();
        store.register(task(id));
        prompts.storeReady(id, "v1", 8, "one", new byte[] {1});
        assertTrue(prompts.switchVersion(id, "v2", 4, null, new byte[] {2}));
        TaskRecord r = store.find(id).orElseThrow();
        assertEquals("v2", r.pgmVersion());
        assertEquals(4, r.k());
        assertEquals(null, r.promptText());
        assertTrue(r.ready());
        assertArrayEquals(new byte[] {1}, prompts.artifact(id, "v1").orElseThrow(), "the previous prompt stays");

        assertTrue(prompts.switchVersion(id, "v3", 8, "three", new byte[] {3}));
        assertTrue(prompts.artifact(id, "v1").isEmpty(), "older than the previous: removed");
        assertArrayEquals(new byte[] {2}, prompts.artifact(id, "v2").orElseThrow());
        assertEquals("three", store.find(id).orElseThrow().promptText());

        assertTrue(prompts.switchVersion(id, "v2", 4, null, new byte[] {2}), "back to the previous version");
        assertEquals("v2", store.find(id).orElseThrow().pgmVersion());
        assertTrue(prompts.artifact(id, "v3").isPresent());

        store.delete(id);
        assertTrue(prompts.artifact(id, "v2").isEmpty() && prompts.artifact(id, "v3").isEmpty());
    }

    @Test
    void aTaskThatIsNotReadyIsNotSwitched() {
        String pending = UUID.randomUUID().toString();
        store.register(task(pending));
        assertFalse(prompts.switchVersion(pending, "v2", 4, null, new byte[] {2}));
        assertTrue(prompts.artifact(pending, "v2").isEmpty());
        assertEquals(TaskRecord.PENDING, store.find(pending).orElseThrow().status());

        String deleted = UUID.randomUUID().toString();
        store.register(task(deleted));
        prompts.storeReady(deleted, "v1", 8, null, new byte[] {1});
        store.delete(deleted);
        assertFalse(prompts.switchVersion(deleted, "v2", 4, null, new byte[] {2}), "deleted meanwhile");
        assertTrue(store.find(deleted).isEmpty(), "a deleted task is not brought back");
        assertTrue(prompts.artifact(deleted, "v2").isEmpty());
    }

    @Test
    void aTasksKeysShareOneHashTagAndATenantsKeysAnother() {
        String id = UUID.randomUUID().toString();
        String tag = "{task:" + id + "}";
        for (String key : List.of(TaskStore.taskKey(id), TaskStore.registrationKey(id), TaskPrompts.promptsKey(id),
                TaskPrompts.promptKey(id, "v1"), TaskPrompts.versionsKey(id), ExampleStore.addedExamplesKey(id),
                TaskPrompts.versionSeqKey(id), ExampleStore.validationKey(id), Refinements.refineKey(id),
                TaskPrompts.versionPromptKey(id, 2))) {
            assertEquals(tag, key.substring(key.indexOf('{'), key.indexOf('}') + 1), key);
            assertEquals(io.lettuce.core.cluster.SlotHash.getSlot(TaskStore.taskKey(id)),
                    io.lettuce.core.cluster.SlotHash.getSlot(key), key);
        }
        for (String key : List.of(TaskStore.tenantTasksKey("acme"), TaskIndex.tenantIndexKey("acme"),
                Refinements.tenantRefiningKey("acme"))) {
            assertTrue(key.startsWith("metal:{tenant:acme}:"), key);
        }
        assertFalse(TaskPrompts.versionPromptKey(id, 2).equals(TaskPrompts.promptKey(id, "2")),
                "a prompt version's artifact and a PGM version's do not share keys");
    }

    @Test
    void theWalkReturnsEveryTaskExactlyOnceWhileTasksComeAndGo() {
        java.util.Set<String> stay = new java.util.HashSet<>();
        for (int i = 0; i < 40; i++) {
            String id = UUID.randomUUID().toString();
            store.register(task(id));
            stay.add(id);
        }
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        String cursor = "0";
        int pages = 0;
        do {
            TaskIndex.TaskPage page = index.scanTasks(cursor, 7);
            page.taskIds().forEach(t -> seen.merge(t, 1, Integer::sum));
            if (pages % 3 == 0) {   // others register and delete tasks during the walk
                String passing = UUID.randomUUID().toString();
                store.register(task(passing));
                store.delete(passing);
                store.register(task(UUID.randomUUID().toString()));
            }
            cursor = page.cursor();
            pages++;
        } while (!"0".equals(cursor) && pages < 100_000);
        for (String id : stay) {
            assertEquals(1, seen.getOrDefault(id, 0), "task " + id + " seen once");
        }
        assertTrue(seen.values().stream().allMatch(n -> n == 1), "no task twice");
    }

    @Test
    void aRegistrationCutShortAtAnyStepLeavesNoHalfTaskAndARetryCompletesIt() {
        for (TaskStore.Step crash : List.of(TaskStore.Step.RESERVE_QUOTA, TaskStore.Step.INDEX, TaskStore.Step.WRITE_TASK)) {
            String tenant = "crash-" + UUID.randomUUID();
            String id = UUID.randomUUID().toString();
            TaskStore dying = new TaskStore(redis, (step, task) -> {
                if (step == crash) {
                    throw new IllegalStateException("killed before " + step);
                }
            });
            assertThrowsKilled(() -> dying.register(task(id, tenant), 5));
            assertTrue(store.find(id).isEmpty(), crash + ": no task is visible before its last step");
            assertTrue(store.register(task(id, tenant), 5), crash + ": the retry completes the registration");
            assertEquals(TaskRecord.PENDING, store.find(id).orElseThrow().status());
            assertEquals(1, store.taskCount(tenant), crash + ": counted once");
            assertTrue(walk().contains(id), crash + ": indexed");
            assertEquals(List.of(id), index.newest(tenant, null, null, 10).stream()
                    .map(TaskIndex.IndexEntry::taskId).toList(), crash + ": listed once");
        }
    }

    @Test
    void aDeletionCutShortAtAnyStepIsCompletedByARetry() {
        for (TaskStore.Step crash : List.of(TaskStore.Step.UNCOUNT, TaskStore.Step.DELETE_KEYS, TaskStore.Step.UNINDEX)) {
            String tenant = "crash-" + UUID.randomUUID();
            String id = UUID.randomUUID().toString();
            store.register(task(id, tenant));
            prompts.storeReady(id, "v1", 8, null, new byte[] {1});
            TaskStore dying = new TaskStore(redis, (step, task) -> {
                if (step == crash) {
                    throw new IllegalStateException("killed before " + step);
                }
            });
            assertThrowsKilled(() -> dying.delete(id));
            if (crash == TaskStore.Step.UNINDEX) {
                assertTrue(store.find(id).isEmpty(), "the task is gone once its keys are");
                assertTrue(walk().contains(id), "a left-over index entry, which the walk's readers skip");
            } else {
                assertTrue(store.find(id).isPresent(), crash + ": the task is still whole");
            }
            store.delete(id);
            assertTrue(store.find(id).isEmpty() && prompts.artifact(id, "v1").isEmpty(), crash.name());
            assertEquals(0, store.taskCount(tenant), crash + ": no longer counted");
            assertFalse(walk().contains(id), crash + ": off the index");
            assertTrue(index.newest(tenant, null, null, 10).isEmpty(), crash + ": off the tenant's listing");
        }
    }

    private java.util.Set<String> walk() {
        java.util.Set<String> ids = new java.util.HashSet<>();
        String cursor = "0";
        do {
            TaskIndex.TaskPage page = index.scanTasks(cursor, 500);
            ids.addAll(page.taskIds());
            cursor = page.cursor();
        } while (!"0".equals(cursor));
        return ids;
    }

    private static void assertThrowsKilled(Runnable r) {
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, r::run);
        assertTrue(e.getMessage().startsWith("killed before"), e.getMessage());
    }

    private static TaskRegistered at(String id, String tenant, String time) {
        TaskRegistered t = task(id, tenant);
        return new TaskRegistered(1, id, tenant, t.examples(), t.options(), t.design(), t.demonstrations(),
                Instant.parse(time));
    }

    @Test
    void theIndexListsATenantsTasksNewestFirstThenByIdDescending() {
        String tenant = "index-" + UUID.randomUUID();
        store.register(at("a", tenant, "2026-12-01T00:00:00Z"));
        store.register(at("c", tenant, "2026-12-02T00:00:00Z"), 10);
        store.register(at("b", tenant, "2026-12-02T00:00:00Z"));
        store.register(at("x", "other-" + tenant, "2026-12-03T00:00:00Z"));
        assertEquals(List.of("c", "b", "a"), index.newest(tenant, null, null, 10).stream()
                .map(TaskIndex.IndexEntry::taskId).toList());
    }

    @Test
    void aPageGoesOnStrictlyAfterItsCursorEvenWithinOneMillisecond() {
        String tenant = "index-" + UUID.randomUUID();
        for (String id : List.of("p", "q", "r", "s")) {
            store.register(at(id, tenant, "2026-12-02T00:00:00Z"));
        }
        store.register(at("o", tenant, "2026-12-01T00:00:00Z"));
        List<TaskIndex.IndexEntry> first = index.newest(tenant, null, null, 2);
        assertEquals(List.of("s", "r"), first.stream().map(TaskIndex.IndexEntry::taskId).toList());
        TaskIndex.IndexEntry last = first.get(1);
        store.register(at("t", tenant, "2026-12-03T00:00:00Z"));   // registered meanwhile: newer, not on a later page
        assertEquals(List.of("q", "p", "o"), index.newest(tenant, last.registeredAtMillis(), last.taskId(), 5).stream()
                .map(TaskIndex.IndexEntry::taskId).toList());
    }

    @Test
    void deletingATaskTakesItOffTheIndex() {
        String tenant = "index-" + UUID.randomUUID();
        String id = UUID.randomUUID().toString();
        store.register(task(id, tenant));
        assertEquals(1, index.newest(tenant, null, null, 10).size());
        store.delete(id);
        assertTrue(index.newest(tenant, null, null, 10).isEmpty());
    }

    @Test
    void addedExamplesGetTheNextVersionNumbersWithinTheLimit() {
        String id = UUID.randomUUID().toString();
        store.register(task(id));
        List<Example> two = List.of(new Example("a cow", "alpha"), new Example("a bus", "beta"));
        assertEquals(2, examples.addExamples(id, 2, two, List.of(), 7));
        assertEquals(3, examples.addExamples(id, 2, List.of(two.get(0)), List.of(two.get(1)), 7));
        assertEquals(-1, examples.addExamples(id, 2, two, List.of(), 7), "2 registered + 4 added + 2 more > 7");
        assertEquals(3, examples.addedExamples(id), "a refused call adds nothing");
        assertEquals(List.of(two.get(0), two.get(1), two.get(0)), examples.addedExampleList(id));
        assertEquals(List.of(two.get(1)), examples.validation(id));
    }

    @Test
    void aStoredVersionIsServedOnlyForwardAndItsArtifactIsWhatTheTaskServes() {
        String id = UUID.randomUUID().toString();
        store.register(task(id));
        prompts.storeReady(id, "pgm-1", 8, "first", new byte[] {1});
        prompts.saveVersion(id, new PromptVersion(3, PromptVersion.EXAMPLES, 6, "pgm-1", Instant.now(), null, null), new byte[] {3});
        prompts.saveVersion(id, new PromptVersion(2, PromptVersion.EXAMPLES, 4, "pgm-1", Instant.now(), null, null), new byte[] {2});
        assertEquals(new TaskPrompts.Pointer(true, 3), prompts.servePromptVersion(id, 3, "pgm-1", 8, "third"));
        assertEquals(new TaskPrompts.Pointer(false, 3), prompts.servePromptVersion(id, 2, "pgm-1", 8, "second"),
                "an older version finishing late names the one served");
        assertEquals(new TaskPrompts.Pointer(false, 3), prompts.servePromptVersion(id, 3, "pgm-1", 8, "third"),
                "serving it again (a replay) moves nothing");
        TaskRecord t = store.find(id).orElseThrow();
        assertEquals(3, t.servedVersion());
        assertEquals("third", t.promptText());
        assertArrayEquals(new byte[] {3}, prompts.artifactFor(t).orElseThrow());
        assertEquals(List.of(2, 3), prompts.versions(id).stream().map(PromptVersion::number).toList());
        assertFalse(prompts.switchVersion(id, "pgm-2", 8, null, new byte[] {9}), "a rollout leaves a later version served");
    }

    @Test
    void aVersionIsNotServedForATaskThatIsGone() {
        String id = UUID.randomUUID().toString();
        store.register(task(id));
        prompts.storeReady(id, "pgm-1", 8, null, new byte[] {1});
        examples.addExamples(id, 2, List.of(new Example("a cow", "alpha")), List.of(new Example("a bus", "beta")), 10);
        prompts.saveVersion(id, new PromptVersion(2, PromptVersion.EXAMPLES, 3, "pgm-1", Instant.now(), null, null), new byte[] {2});
        store.delete(id);
        assertEquals(new TaskPrompts.Pointer(false, 0), prompts.servePromptVersion(id, 2, "pgm-1", 8, null));
        assertTrue(store.find(id).isEmpty(), "no hash made again");
        assertTrue(prompts.versions(id).isEmpty());
        assertEquals(0, examples.addedExamples(id));
        assertTrue(examples.validation(id).isEmpty());
        assertTrue(prompts.versionArtifact(id, 2).isEmpty());
    }

    @Test
    void aBatchsFirstPromptsAreStoredWithTheirVersionTogetherAndNothingForATaskThatIsGone() {
        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString();
        String gone = UUID.randomUUID().toString();
        for (String id : List.of(a, b, gone)) {
            store.register(task(id));
        }
        store.delete(gone);
        List<java.util.Optional<TaskRecord>> found = store.findAll(List.of(a, gone, b));
        assertEquals(List.of(store.find(a), java.util.Optional.<TaskRecord>empty(), store.find(b)), found);
        TaskRegistered again = new TaskRegistered(1, a, "acme", List.of(new Example("a cow", "alpha")),
                List.of("alpha", "beta"), PromptDesign.DISCRETE, 0, Instant.parse("2026-11-26T06:00:01Z"));
        store.saveRegistrations(List.of(again, task(b)));
        assertEquals(again, store.registration(a).orElseThrow());
        assertEquals(task(b), store.registration(b).orElseThrow());

        PromptVersion first = new PromptVersion(1, PromptVersion.GENERATED, 2, "pgm-1", Instant.now(), null, null);
        boolean[] stored = prompts.storeFirstPrompts(List.of(
                new TaskPrompts.FirstPrompt(a, "pgm-1", 8, null, new byte[] {1}, first),
                new TaskPrompts.FirstPrompt(gone, "pgm-1", 8, null, new byte[] {2}, first),
                new TaskPrompts.FirstPrompt(b, "pgm-1", 8, "alpha beta", new byte[] {3}, first)));
        assertArrayEquals(new boolean[] {true, false, true}, stored);
        assertTrue(store.find(a).orElseThrow().ready());
        assertArrayEquals(new byte[] {1}, prompts.artifact(a, "pgm-1").orElseThrow());
        assertEquals(first, prompts.version(a, 1).orElseThrow());
        assertEquals("alpha beta", store.find(b).orElseThrow().promptText());
        assertEquals(first, prompts.version(b, 1).orElseThrow());
        assertTrue(store.find(gone).isEmpty(), "nothing of the deleted task comes back");
        assertTrue(prompts.versions(gone).isEmpty());
        assertTrue(prompts.artifact(gone, "pgm-1").isEmpty());
    }

    @Test
    void aVersionIsRewrittenWithItsReportOnlyWhileTheTaskExists() {
        String id = UUID.randomUUID().toString();
        store.register(task(id));
        prompts.storeReady(id, "pgm-1", 8, null, new byte[] {1});
        PromptVersion first = new PromptVersion(1, PromptVersion.GENERATED, 4, "pgm-1", Instant.now(), null, null);
        prompts.saveVersion(id, first, null);
        PromptVersion.Quality q = new PromptVersion.Quality(0.75, 0.8, 0.5, 0.6, 4);
        PromptVersion scored = new PromptVersion(1, first.source(), first.examplesSeen(), first.pgmVersion(),
                first.createdAt(), q, null);
        assertTrue(prompts.rewriteVersion(id, scored));
        assertEquals(q, prompts.version(id, 1).orElseThrow().quality());
        store.delete(id);
        assertFalse(prompts.rewriteVersion(id, scored), "a report finishing after the deletion writes nothing");
        assertTrue(prompts.versions(id).isEmpty(), "the versions hash does not come back");
    }

    @Test
    void aTenantRefinesAtMostItsBoundAtOnceAndOneTaskOnce() {
        String tenant = "refine-" + UUID.randomUUID();
        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString();
        String c = UUID.randomUUID().toString();
        for (String id : List.of(a, b, c)) {
            store.register(task(id, tenant));
        }
        assertEquals(2, refinements.queueRefinement(tenant, a, 10, 2));
        assertEquals(0, refinements.queueRefinement(tenant, a, 10, 2), "already queued");
        assertEquals(2, refinements.queueRefinement(tenant, b, 10, 2));
        assertEquals(-1, refinements.queueRefinement(tenant, c, 10, 2), "the tenant's bound");
        assertEquals(new Refinements.Refinement(10, "queued", 2), refinements.refinement(a).orElseThrow());
        refinements.refinementEnded(tenant, a, "done");
        assertEquals("done", refinements.refinement(a).orElseThrow().status());
        assertEquals(2, refinements.queueRefinement(tenant, c, 10, 2), "a slot freed");
        assertEquals(3, refinements.queueRefinement(tenant, a, 5, 3), "the next version of a");
    }
}
