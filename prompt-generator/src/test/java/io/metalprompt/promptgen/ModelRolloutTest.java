package io.metalprompt.promptgen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.metalprompt.events.Example;
import io.metalprompt.events.ModelPublished;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.PromptReady;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.events.Topics;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.models.ModelPublisher;
import io.metalprompt.models.ModelStore;
import io.metalprompt.models.ModelVersion;
import io.metalprompt.prompt.PromptArtifact;
import io.metalprompt.prompt.PromptGenerator;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.RolloutStore;
import io.metalprompt.store.TaskIndex;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskStore;
import io.metalprompt.testing.TestInfrastructure;
import io.metalprompt.testing.TinyModels;
import io.metalprompt.testing.TinyModelsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/**
 * Model versions on real Kafka, Redis and tiny models: a version published on metal.model-events is loaded
 * without a restart, every task's prompt moves to it in the background (and back on a rollback), a rollout cut off
 * midway goes on from its saved cursor, and a version that cannot be loaded leaves serving as it was. The test
 * profile runs no rollout timer: the tests call {@link PromptRollout#runOnce} themselves.
 */
@QuarkusTest
@QuarkusTestResource(value = TinyModelsTestResource.class, restrictToAnnotatedClass = false)
class ModelRolloutTest {

    @Inject
    ModelUpdater updater;

    @Inject
    PromptRollout rollout;

    @Inject
    PromptTaskHandler handler;

    @Inject
    PgmPromptFactory factory;

    @Inject
    TaskStore tasks;

    @Inject
    TaskIndex index;

    @Inject
    TaskPrompts prompts;

    @Inject
    RolloutStore rollouts;

    @Inject
    RedisConnector redis;

    @Inject
    LanguageModel base;

    private static Instant clock = Instant.now();

    /** Event times that only go forward, as a publisher's clock does. */
    private static synchronized Instant later() {
        clock = clock.plusSeconds(1);
        return clock;
    }

    private static Path tinyPgm(PromptDesign design) {
        return Path.of(TinyModels.config().get("metal.model.pgm")).resolve(design.name().toLowerCase());
    }

    /** A store version holding the tiny PGMs of {@code designs} (their weights as shipped, a new version id). */
    private static ModelVersion version(PromptDesign... designs) throws IOException {
        Path root = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "metal-rollout-test-store"));
        List<Path> folders = new ArrayList<>();
        for (PromptDesign d : designs) {
            folders.add(tinyPgm(d));
        }
        return new ModelStore(root).addPgm(folders, new ModelStore.Provenance("test", Map.of(), Map.of()));
    }

    private static TaskRegistered task(PromptDesign design) {
        return new TaskRegistered(1, UUID.randomUUID().toString(), "acme",
                List.of(new Example("a happy dog", "good"), new Example("a sad cat", "bad"),
                        new Example("a nice day", "good")), List.of("good", "bad"), design, 1, Instant.now());
    }

    private TaskRegistered ready(PromptDesign design) {
        TaskRegistered t = task(design);
        assertInstanceOf(PromptReady.class, handler.handle(t).orElseThrow());
        return t;
    }

    private String versionOf(TaskRegistered t) {
        return tasks.find(t.taskId()).orElseThrow().pgmVersion();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what);
            }
            Thread.sleep(100);
        }
    }

    private ModelPublished event(ModelVersion v) {
        return new ModelPublished(1, v.version(), v.baseFingerprint(), v.location().toString(), v.metrics(), later());
    }

    /** Back to the start-up PGMs and no published version, so other test classes see the service as it starts. */
    @AfterEach
    void restore() {
        Map<PromptDesign, PromptGenerator> start = new EnumMap<>(PromptDesign.class);
        for (Path dir : PromptGenerator.folders(Path.of(TinyModels.config().get("metal.model.pgm")))) {
            PromptGenerator g = PromptGenerator.load(base, dir);
            start.put(g.design(), g);
        }
        factory.install(start);
        String fp = base.fingerprint();
        redis.sync().del(RolloutStore.modelKey(fp).getBytes(StandardCharsets.UTF_8),
                RolloutStore.rolloutKey(fp).getBytes(StandardCharsets.UTF_8),
                RolloutStore.leaseKey(fp).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aPublishedVersionIsServedWithoutRestartEveryTaskMovesToItAndARollbackMovesThemBack() throws Exception {
        String startPrefix = factory.pgmVersion(PromptDesign.PREFIX);
        String startDiscrete = factory.pgmVersion(PromptDesign.DISCRETE);
        List<TaskRegistered> prefixTasks = List.of(ready(PromptDesign.PREFIX), ready(PromptDesign.PREFIX),
                ready(PromptDesign.PREFIX));
        TaskRegistered discrete = ready(PromptDesign.DISCRETE);
        ModelVersion v1 = version(PromptDesign.PREFIX);
        ModelVersion v2 = version(PromptDesign.PREFIX);

        try (ModelPublisher publisher = new ModelPublisher(TestInfrastructure.get().kafkaBootstrap(), Map.of(),
                Duration.ofSeconds(30))) {
            publisher.publish(v1, later());
            await(() -> v1.version().equals(updater.appliedVersion()), "the prompt-generator loads " + v1.version());
            assertEquals(v1.version(), factory.pgmVersion(PromptDesign.PREFIX));
            assertEquals(startDiscrete, factory.pgmVersion(PromptDesign.DISCRETE), "designs the version lacks stay");
            for (TaskRegistered t : prefixTasks) {
                assertEquals(startPrefix, versionOf(t), "loading a version moves no task by itself");
            }

            assertTrue(rollout.runOnce() >= prefixTasks.size());
            for (TaskRegistered t : prefixTasks) {
                assertEquals(v1.version(), versionOf(t));
                PromptArtifact a = PromptArtifact.fromBytes(prompts.artifact(t.taskId(), v1.version()).orElseThrow());
                assertEquals(v1.version(), a.pgmVersion(), "stored under the new version, made by it");
                assertTrue(prompts.artifact(t.taskId(), startPrefix).isPresent(), "the previous prompt is kept");
            }
            assertEquals(startDiscrete, versionOf(discrete));
            assertTrue(rollouts.rollout(base.fingerprint()).orElseThrow().done());
            assertEquals(0, rollout.runOnce(), "a complete rollout is not walked again");
            assertEquals(v1.version(), versionOf(ready(PromptDesign.PREFIX)), "new tasks get the new version");

            byte[] v1Prompt = prompts.artifact(prefixTasks.get(0).taskId(), v1.version()).orElseThrow();
            publisher.publish(v2, later());
            await(() -> v2.version().equals(updater.appliedVersion()), "the prompt-generator loads " + v2.version());
            rollout.runOnce();
            prefixTasks.forEach(t -> assertEquals(v2.version(), versionOf(t)));

            publisher.publish(v1, later());   // the rollback: the older version published again
            await(() -> v1.version().equals(updater.appliedVersion()), "the prompt-generator goes back to " + v1.version());
            rollout.runOnce();
            prefixTasks.forEach(t -> assertEquals(v1.version(), versionOf(t)));
            assertArrayEquals(v1Prompt, prompts.artifact(prefixTasks.get(0).taskId(), v1.version()).orElseThrow(),
                    "rolling back to the previous version reuses its stored prompts");
            assertTrue(prompts.artifact(prefixTasks.get(0).taskId(), startPrefix).isEmpty(),
                    "prompts older than the previous version are removed");
        }
    }

    @Test
    void aRegistrationGetsTheVersionInForceEvenBeforeItsEventArrives() throws IOException {
        ModelVersion v = version(PromptDesign.PREFIX, PromptDesign.HIDDEN_STATE);
        assertEquals(RolloutStore.Applied.NEWER, rollouts.apply(event(v), Instant.now()));   // another replica recorded it
        TaskRegistered t = task(PromptDesign.HIDDEN_STATE);
        PromptReady ready = assertInstanceOf(PromptReady.class, handler.handle(t).orElseThrow());
        assertEquals(v.version(), ready.pgmVersion());
        assertEquals(v.version(), versionOf(t));
    }

    @Test
    void anInterruptedRolloutGoesOnFromItsLastSavedPage() throws Exception {
        List<TaskRegistered> mine = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            mine.add(ready(PromptDesign.PREFIX));
        }
        ModelVersion v = version(PromptDesign.PREFIX);
        updater.onModelPublished(event(v));
        assertEquals(v.version(), updater.appliedVersion());

        AtomicInteger waits = new AtomicInteger();
        PromptRollout.Sleeper stopsAtTheFourthPrompt = millis -> {
            if (waits.incrementAndGet() == 3) {
                throw new InterruptedException("replica stopped");
            }
        };
        // one prompt per ~17 minutes: every prompt after the first waits (on the fake sleeper)
        PromptRollout.Settings slow = new PromptRollout.Settings(0.001, 1, Duration.ofSeconds(30));
        PromptRollout first = new PromptRollout(tasks, index, prompts, rollouts, updater, factory, base.fingerprint(),
                "replica-a", slow, stopsAtTheFourthPrompt, Clock.systemUTC());
        assertThrows(InterruptedException.class, first::runOnce);
        assertTrue(!rollouts.rollout(base.fingerprint()).orElseThrow().done());

        Map<String, byte[]> movedBefore = new HashMap<>();
        for (TaskRegistered t : mine) {
            if (v.version().equals(versionOf(t))) {
                movedBefore.put(t.taskId(), prompts.artifact(t.taskId(), v.version()).orElseThrow());
            }
        }
        PromptRollout second = new PromptRollout(tasks, index, prompts, rollouts, updater, factory, base.fingerprint(),
                "replica-b", new PromptRollout.Settings(1000, 1, Duration.ofSeconds(30)), millis -> { }, Clock.systemUTC());
        second.runOnce();
        assertTrue(rollouts.rollout(base.fingerprint()).orElseThrow().done());
        for (TaskRegistered t : mine) {
            assertEquals(v.version(), versionOf(t));
        }
        movedBefore.forEach((id, prompt) -> assertArrayEquals(prompt, prompts.artifact(id, v.version()).orElseThrow(),
                "a task moved before the interruption is not generated again"));
    }

    @Test
    void aVersionThatCannotBeLoadedLeavesServingAsItWasUntilALaterOne() throws Exception {
        TaskRegistered t = ready(PromptDesign.PREFIX);
        String before = factory.pgmVersion(PromptDesign.PREFIX);
        ModelPublished missing = new ModelPublished(1, "20260101T000000Z-00000000", base.fingerprint(),
                "/nonexistent/store/pgm/20260101T000000Z-00000000", Map.of(), later());
        updater.onModelPublished(missing);
        assertEquals(before, factory.pgmVersion(PromptDesign.PREFIX));
        assertEquals(0, rollout.runOnce(), "no replica can serve it, so no task moves");
        assertEquals(before, versionOf(t));

        ModelVersion good = version(PromptDesign.PREFIX);
        updater.onModelPublished(event(good));
        assertEquals(good.version(), factory.pgmVersion(PromptDesign.PREFIX));
        rollout.runOnce();
        assertEquals(good.version(), versionOf(t));
    }

    @Test
    void versionsOfAnotherBaseModelAreIgnored() throws IOException {
        ModelVersion v = version(PromptDesign.PREFIX);
        String other = "0".repeat(64);
        updater.onModelPublished(new ModelPublished(1, v.version(), other, v.location().toString(), Map.of(), later()));
        assertTrue(rollouts.current(other).isEmpty());
        assertNotEquals(v.version(), factory.pgmVersion(PromptDesign.PREFIX));
    }

    @Test
    void anUndecodableModelEventGoesToTheDeadLetterTopic() {
        String key = "poison-" + UUID.randomUUID();
        try (KafkaCompanion companion = new KafkaCompanion(TestInfrastructure.get().kafkaBootstrap(), Duration.ofSeconds(30))) {
            companion.produceStrings().fromRecords(new ProducerRecord<>(Topics.MODEL_EVENTS, key, "{\"pgmVersion\":"));
            ConsumerRecord<String, String> dead = companion.consumeStrings().withGroupId("it-" + UUID.randomUUID())
                    .withOffsetReset(OffsetResetStrategy.EARLIEST)
                    .fromTopics(Topics.deadLetter(Topics.MODEL_EVENTS), m -> m.filter(r -> key.equals(r.key())))
                    .awaitRecords(1, Duration.ofSeconds(60)).getFirstRecord();
            assertEquals("{\"pgmVersion\":", dead.value());
        }
    }
}
