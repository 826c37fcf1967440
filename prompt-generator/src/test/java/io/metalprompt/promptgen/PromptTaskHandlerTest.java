package io.metalprompt.promptgen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.Example;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.PromptEvent;
import io.metalprompt.events.PromptFailed;
import io.metalprompt.events.PromptReady;
import io.metalprompt.events.TaskDeleted;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.prompt.PromptArtifact;
import io.metalprompt.prompt.PromptGenerator;
import io.metalprompt.store.ExampleStore;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;
import io.metalprompt.store.UsageStore;
import io.metalprompt.testing.TinyModels;
import io.metalprompt.testing.TinyModelsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The prompt-generator's work on real Redis and real (tiny) models, driven without a broker through the
 * application's own beans (a Quarkus test, so DJL's native library is loaded once, by the application).
 */
@QuarkusTest
@QuarkusTestResource(value = TinyModelsTestResource.class, restrictToAnnotatedClass = false)
class PromptTaskHandlerTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T07:00:00Z"), ZoneOffset.UTC);

    @Inject
    PromptTaskHandler handler;

    @Inject
    FirstReports reports;

    @Inject
    PromptFactory factory;

    @Inject
    TaskStore store;

    @Inject
    TaskPrompts prompts;

    @Inject
    ExampleStore examples;

    @Inject
    LanguageModel base;

    @Inject
    LmTokenizer tokenizer;

    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    @Inject
    io.metalprompt.store.RedisConnector redis;

    private UsageStore usage() {
        return new UsageStore(redis);
    }

    private static TaskRegistered task(PromptDesign design, int examples, int demonstrations) {
        List<Example> list = new ArrayList<>();
        for (int i = 0; i < examples; i++) {
            list.add(new Example("the dog number " + i + " ran", i % 2 == 0 ? "alpha" : "beta"));
        }
        return new TaskRegistered(1, UUID.randomUUID().toString(), "acme", list, List.of("alpha", "beta"), design,
                demonstrations, CLOCK.instant());
    }

    @Test
    void everyDesignBecomesAStoredReadyPrompt() {
        for (PromptDesign design : PromptDesign.values()) {
            TaskRegistered t = task(design, 6, 2);
            PromptReady ready = assertInstanceOf(PromptReady.class, handler.handle(t).orElseThrow());
            assertEquals(TinyModels.K, ready.promptLength());
            assertEquals(factory.pgmVersion(design), ready.pgmVersion());
            TaskRecord record = store.find(t.taskId()).orElseThrow();
            assertTrue(record.ready());
            PromptArtifact artifact = PromptArtifact.fromBytes(prompts.artifact(t.taskId(), ready.pgmVersion()).orElseThrow());
            assertEquals(design, artifact.design());
            assertEquals(base.fingerprint(), artifact.baseFingerprint());
            assertEquals(design == PromptDesign.DISCRETE, ready.promptText() != null, "readable text only for DISCRETE");
        }
    }

    @Test
    void aBatchOfRecordsIsGeneratedTogetherInOrderAndABadTaskFailsAlone() {
        TaskRegistered a = task(PromptDesign.PREFIX, 6, 0);
        TaskRegistered tooLong = new TaskRegistered(1, UUID.randomUUID().toString(), "acme",
                List.of(new Example("the dog ran ".repeat(400).strip(), "alpha"), new Example("a dog", "beta")),
                List.of("alpha", "beta"), PromptDesign.PREFIX, 0, CLOCK.instant());
        TaskRegistered c = task(PromptDesign.WEIGHTED_SUM, 4, 1);
        TaskRegistered d = task(PromptDesign.PREFIX, 3, 0);
        io.micrometer.core.instrument.DistributionSummary batches = registry.find("metal.promptgen.batch.tasks").summary();
        long runsBefore = batches == null ? 0 : batches.count();

        // a run of three registrations, a deletion of the first, then a registration after it
        List<java.util.Optional<PromptEvent>> out = handler.handleAll(List.of(a, tooLong, c,
                new TaskDeleted(1, a.taskId(), "acme", CLOCK.instant()), d));

        assertEquals(5, out.size(), "one answer per record, in order");
        assertEquals(a.taskId(), assertInstanceOf(PromptReady.class, out.get(0).orElseThrow()).taskId());
        PromptFailed failed = assertInstanceOf(PromptFailed.class, out.get(1).orElseThrow());
        assertEquals(tooLong.taskId(), failed.taskId());
        assertTrue(failed.reason().contains("alone takes more than"), failed.reason());
        assertEquals(c.taskId(), assertInstanceOf(PromptReady.class, out.get(2).orElseThrow()).taskId());
        assertTrue(out.get(3).isEmpty(), "a deletion publishes nothing");
        assertEquals(d.taskId(), assertInstanceOf(PromptReady.class, out.get(4).orElseThrow()).taskId());
        assertTrue(store.find(a.taskId()).isEmpty(), "the deletion came after the registration it follows");
        assertTrue(store.find(c.taskId()).orElseThrow().ready());
        batches = registry.find("metal.promptgen.batch.tasks").summary();
        assertEquals(runsBefore + 2, batches.count(), "two runs of registrations: [a, tooLong, c] and [d]");
    }

    @Test
    void aTaskDeletedWhileItsBatchIsGeneratedGetsNothingStoredAndTheOthersAreServed() {
        TaskRegistered a = task(PromptDesign.PREFIX, 4, 0);
        TaskRegistered b = task(PromptDesign.PREFIX, 5, 0);
        TaskRegistered c = task(PromptDesign.PREFIX, 6, 0);
        PromptFactory deleting = new PromptFactory() {
            @Override
            public String pgmVersion(PromptDesign design) {
                return factory.pgmVersion(design);
            }

            @Override
            public Result generate(TaskRegistered task) {
                return factory.generate(task);
            }

            @Override
            public List<Outcome> generateAll(List<TaskRegistered> tasks) {
                List<Outcome> made = factory.generateAll(tasks);
                store.delete(b.taskId());   // the user deletes b while the batch is generated
                return made;
            }

            @Override
            public Result generateFrom(TaskRegistered task, byte[] previous, List<Example> examples) {
                return factory.generateFrom(task, previous, examples);
            }
        };
        PromptTaskHandler h = new PromptTaskHandler(store, prompts, examples, deleting, () -> { }, CLOCK,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), usage());
        List<java.util.Optional<PromptEvent>> out = h.handleAll(List.of(a, b, c));
        assertEquals(a.taskId(), assertInstanceOf(PromptReady.class, out.get(0).orElseThrow()).taskId());
        assertTrue(out.get(1).isEmpty(), "nothing published for the deleted task");
        assertEquals(c.taskId(), assertInstanceOf(PromptReady.class, out.get(2).orElseThrow()).taskId());
        assertTrue(store.find(b.taskId()).isEmpty() && prompts.versions(b.taskId()).isEmpty()
                && prompts.artifact(b.taskId(), factory.pgmVersion(PromptDesign.PREFIX)).isEmpty(), "nothing of b comes back");
        for (TaskRegistered t : List.of(a, c)) {
            assertTrue(store.find(t.taskId()).orElseThrow().ready());
            io.metalprompt.store.PromptVersion first = prompts.version(t.taskId(), 1).orElseThrow();
            assertEquals(t.examples().size(), first.examplesSeen());
            assertEquals(factory.pgmVersion(PromptDesign.PREFIX), first.pgmVersion());
            assertEquals(t, store.registration(t.taskId()).orElseThrow());
        }
    }

    @Test
    void redeliveredRegistrationIsAnsweredWithoutGeneratingAgain() throws InterruptedException {
        TaskRegistered t = task(PromptDesign.PREFIX, 4, 0);
        handler.handle(t);
        byte[] first = prompts.artifact(t.taskId(), factory.pgmVersion(PromptDesign.PREFIX)).orElseThrow();
        Thread.sleep(5);   // a second generation would carry a later createdAt, so different bytes
        PromptEvent again = handler.handle(t).orElseThrow();
        assertInstanceOf(PromptReady.class, again);
        assertArrayEquals(first, prompts.artifact(t.taskId(), factory.pgmVersion(PromptDesign.PREFIX)).orElseThrow(),
                "the stored prompt is reused, not generated again");
        java.time.LocalDate today = java.time.LocalDate.now(ZoneOffset.UTC);
        assertEquals(Map.of(UsageStore.PROMPT_GENERATIONS, 1L), usage().read("acme", today, today).get(t.taskId()),
                "one generation counted for the tenant");
    }

    @Test
    void exampleSetsLargerThanTheContextAreFoldedIteratively() {
        List<Example> many = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            many.add(new Example("a rather long example sentence with many words number " + i, i % 2 == 0 ? "alpha" : "beta"));
        }
        TaskRegistered t = new TaskRegistered(1, UUID.randomUUID().toString(), "acme", many, List.of("alpha", "beta"),
                PromptDesign.PREFIX, 0, CLOCK.instant());
        PromptReady ready = assertInstanceOf(PromptReady.class, handler.handle(t).orElseThrow());
        assertEquals(TinyModels.K, ready.promptLength());
        assertTrue(store.find(t.taskId()).orElseThrow().ready());
    }

    @Test
    void anExampleTooLongEvenAloneFailsWithAReason() {
        TaskRegistered t = new TaskRegistered(1, UUID.randomUUID().toString(), "acme",
                List.of(new Example("word ".repeat(400).strip(), "alpha"), new Example("short", "beta")),
                List.of("alpha", "beta"), PromptDesign.PREFIX, 0, CLOCK.instant());
        PromptFailed failed = assertInstanceOf(PromptFailed.class, handler.handle(t).orElseThrow());
        assertTrue(failed.reason().contains("alone takes more than"), failed.reason());
        TaskRecord record = store.find(t.taskId()).orElseThrow();
        assertEquals(TaskRecord.FAILED, record.status());
        assertEquals(failed.reason(), record.reason());
    }

    /**
     * Examples the model cannot read fail with the reason (here the tiny model's tokenizer, with the check on at its
     * default share; the application under test runs with it off, as the tiny models know few words).
     */
    @Test
    void examplesOfWordsTheTokenizerDoesNotKnowFailWithTheReason() {
        Path dir = Path.of(TinyModels.config().get("metal.model.pgm")).resolve("prefix");
        try (PromptGenerator pgm = PromptGenerator.load(base, dir)) {
            PgmPromptFactory checking = new PgmPromptFactory(Map.of(PromptDesign.PREFIX, pgm), tokenizer,
                    new VocabularyCheck(tokenizer, 0.5), CLOCK);
            TaskRegistered unreadable = new TaskRegistered(1, UUID.randomUUID().toString(), "acme",
                    List.of(new Example("the cinematography was breathtaking", "positive"),
                            new Example("performances were forgettable", "negative")),
                    List.of("positive", "negative"), PromptDesign.PREFIX, 0, CLOCK.instant());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> checking.generate(unreadable));
            assertTrue(e.getMessage().startsWith("the model cannot read these examples: ")
                    && e.getMessage().contains("'cinematography'"), e.getMessage());
            TaskRegistered readable = new TaskRegistered(1, UUID.randomUUID().toString(), "acme",
                    List.of(new Example("a sad cat", "positive"), new Example("a great review", "negative")),
                    List.of("positive", "negative"), PromptDesign.PREFIX, 0, CLOCK.instant());
            assertEquals(TinyModels.K, checking.generate(readable).k());
        }
    }

    @Test
    void deletionRemovesTheTaskAndPublishesNothing() {
        TaskRegistered t = task(PromptDesign.HIDDEN_STATE, 4, 1);
        handler.handle(t);
        assertTrue(handler.handle(new TaskDeleted(1, t.taskId(), "acme", CLOCK.instant())).isEmpty());
        assertTrue(store.find(t.taskId()).isEmpty());
    }

    @Test
    void aRegistrationReadAfterItsTaskWasDeletedBringsNothingBack() {
        TaskRegistered t = task(PromptDesign.PREFIX, 4, 0);
        store.register(t, 1000);   // the gateway registers it...
        store.delete(t.taskId());  // ...and deletes it before the prompt-generator reads the registration
        assertTrue(handler.handle(t).isEmpty(), "nothing is published for a deleted task");
        assertTrue(store.find(t.taskId()).isEmpty());
        assertTrue(prompts.artifact(t.taskId(), factory.pgmVersion(PromptDesign.PREFIX)).isEmpty());
    }

    private static io.metalprompt.events.TaskExamplesAdded more(TaskRegistered t, int version) {
        return new io.metalprompt.events.TaskExamplesAdded(1, t.taskId(), t.tenant(), version,
                List.of(new Example("the cat number 9 sat", "beta"), new Example("the dog number 8 ran", "alpha")),
                List.of(), CLOCK.instant());
    }

    @Test
    void moreExamplesMakeTheNextVersionFromTheServedPromptAndServeItOnceStored() {
        for (PromptDesign design : PromptDesign.values()) {
            TaskRegistered t = task(design, 4, 0);
            handler.handle(t);
            byte[] first = prompts.artifactFor(store.find(t.taskId()).orElseThrow()).orElseThrow();
            assertInstanceOf(PromptReady.class, handler.handle(more(t, 2)).orElseThrow());
            TaskRecord served = store.find(t.taskId()).orElseThrow();
            assertEquals(2, served.servedVersion(), design.name());
            byte[] second = prompts.artifactFor(served).orElseThrow();
            assertEquals(design, PromptArtifact.fromBytes(second).design());
            assertTrue(!java.util.Arrays.equals(first, second), design + ": a new prompt, from the new examples");
            assertEquals(List.of(4, 6), prompts.versions(t.taskId()).stream().map(v -> v.examplesSeen()).toList());
        }
    }

    @Test
    void aRedeliveredVersionIsNotMadeAgain() {
        TaskRegistered t = task(PromptDesign.PREFIX, 4, 0);
        handler.handle(t);
        handler.handle(more(t, 2));
        byte[] second = prompts.artifactFor(store.find(t.taskId()).orElseThrow()).orElseThrow();
        handler.handle(more(t, 2));
        assertArrayEquals(second, prompts.artifactFor(store.find(t.taskId()).orElseThrow()).orElseThrow());
        java.time.LocalDate today = java.time.LocalDate.now(ZoneOffset.UTC);
        assertEquals(Map.of(UsageStore.PROMPT_GENERATIONS, 2L), usage().read("acme", today, today).get(t.taskId()),
                "the registration's prompt and version 2, each once");
    }

    @Test
    void aVersionFinishingAfterALaterOneWasServedIsRecordedRejectedWithTheReason() {
        TaskRegistered t = task(PromptDesign.PREFIX, 4, 0);
        String pgm = factory.pgmVersion(PromptDesign.PREFIX);
        java.util.concurrent.atomic.AtomicBoolean race = new java.util.concurrent.atomic.AtomicBoolean();
        // version 3 (a refinement, say) is stored and served while version 2 is being made from its examples
        PromptTaskHandler racing = new PromptTaskHandler(store, prompts, examples, factory, () -> {
            if (race.getAndSet(false)) {
                byte[] first = prompts.artifactFor(store.find(t.taskId()).orElseThrow()).orElseThrow();
                prompts.saveVersion(t.taskId(), new io.metalprompt.store.PromptVersion(3,
                        io.metalprompt.store.PromptVersion.REFINED, 4, pgm, CLOCK.instant(), null, null), first);
                prompts.servePromptVersion(t.taskId(), 3, pgm, 16, null);
            }
        }, Clock.systemUTC(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), null, null);
        racing.handle(t);
        race.set(true);
        assertTrue(racing.handle(more(t, 2)).isEmpty(), "no PromptReady for a version that is not served");
        assertEquals(3, store.find(t.taskId()).orElseThrow().servedVersion(), "the later version stays served");
        io.metalprompt.store.PromptVersion second = prompts.version(t.taskId(), 2).orElseThrow();
        assertEquals("version 3 was served before this version finished, and stays served", second.rejected());
    }

    @Test
    void examplesForATaskThatIsGoneAreSkipped() {
        TaskRegistered t = task(PromptDesign.PREFIX, 4, 0);
        handler.handle(t);
        handler.handle(new TaskDeleted(1, t.taskId(), "acme", CLOCK.instant()));
        assertTrue(handler.handle(more(t, 2)).isEmpty());
        assertTrue(store.find(t.taskId()).isEmpty());
    }

    private static final List<Example> VALIDATION = List.of(new Example("the dog number 5 ran", "beta"),
            new Example("the dog number 6 ran", "alpha"), new Example("the cat number 7 sat", "beta"));

    @Test
    void aTaskWithValidationExamplesGetsAQualityReportBesideIclOnceItsPromptIsServed() {
        TaskRegistered t = task(PromptDesign.PREFIX, 6, 1);
        examples.saveValidation(t.taskId(), VALIDATION);
        handler.handle(t);
        assertTrue(store.find(t.taskId()).orElseThrow().ready());
        assertEquals(null, prompts.versions(t.taskId()).get(0).quality(), "served before it is scored");
        io.metalprompt.store.PromptVersion.Quality reported = reports.report(t).orElseThrow();
        io.metalprompt.store.PromptVersion first = prompts.versions(t.taskId()).get(0);
        io.metalprompt.store.PromptVersion.Quality q = first.quality();
        assertEquals(reported, q);
        assertTrue(reports.report(t).isEmpty(), "made once: a record read again leaves it");
        assertEquals(3, q.validationExamples());
        assertTrue(q.macroF1() >= 0 && q.macroF1() <= 1 && q.accuracy() >= 0 && q.accuracy() <= 1, q.toString());
        assertTrue(q.iclMacroF1() != null && q.iclAccuracy() != null, "ICL with the same examples beside it");
    }

    /** Scores each prompt it is given in turn from a list, as if measured. */
    private QualityScorer scripted(double... macroF1) {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        return new QualityScorer(base, tokenizer) {
            @Override
            public io.metalprompt.store.PromptVersion.Quality score(TaskRegistered task, List<Example> training,
                                                                    byte[] artifact, List<Example> validation) {
                double f1 = macroF1[Math.min(calls.getAndIncrement(), macroF1.length - 1)];
                return new io.metalprompt.store.PromptVersion.Quality(f1, f1, 0.5, 0.5, validation.size());
            }
        };
    }

    private PromptTaskHandler gated(double... macroF1) {
        return new PromptTaskHandler(store, prompts, examples, factory, () -> { }, Clock.systemUTC(),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), null, scripted(macroF1));
    }

    /** Version 1's reports with {@code handler}'s gate, as the background lane makes them (no waiting for a lull). */
    private FirstReports reportsOf(PromptTaskHandler handler) {
        return new FirstReports(store, prompts, examples, handler.gate(), new GenerationActivity(), java.time.Duration.ofSeconds(5),
                java.time.Duration.ZERO, java.time.Duration.ZERO);
    }

    @Test
    void aReportIsNotMadeForATaskWithoutValidationExamplesNorForOneThatIsGone() {
        TaskRegistered plain = task(PromptDesign.PREFIX, 4, 0);
        handler.handle(plain);
        assertTrue(reports.report(plain).isEmpty());
        assertEquals(null, prompts.versions(plain.taskId()).get(0).quality());
        TaskRegistered gone = task(PromptDesign.PREFIX, 4, 0);
        examples.saveValidation(gone.taskId(), VALIDATION);
        handler.handle(gone);
        handler.handle(new TaskDeleted(1, gone.taskId(), "acme", CLOCK.instant()));
        assertTrue(reports.report(gone).isEmpty());
        assertTrue(prompts.versions(gone.taskId()).isEmpty(), "nothing of the deleted task comes back");
    }

    @Test
    void aVersionWorseOnTheValidationExamplesIsRecordedButNotServed() {
        PromptTaskHandler handler = gated(0.64, 0.5);
        TaskRegistered t = task(PromptDesign.PREFIX, 4, 0);
        examples.saveValidation(t.taskId(), VALIDATION);
        handler.handle(t);
        reportsOf(handler).report(t);   // version 1 scored first, as the background lane does
        assertTrue(handler.handle(more(t, 2)).isEmpty());
        assertEquals(1, store.find(t.taskId()).orElseThrow().servedVersion(), "the served version stays");
        io.metalprompt.store.PromptVersion second = prompts.versions(t.taskId()).get(1);
        assertEquals("macro-F1 0.500 below the served 0.640", second.rejected());
        assertEquals(0.5, second.quality().macroF1());
    }

    @Test
    void aVersionAsGoodAsTheServedOneReplacesIt() {
        PromptTaskHandler handler = gated(0.64, 0.64);
        TaskRegistered t = task(PromptDesign.PREFIX, 4, 0);
        examples.saveValidation(t.taskId(), VALIDATION);
        handler.handle(t);
        reportsOf(handler).report(t);   // version 1 scored first, as the background lane does
        handler.handle(more(t, 2));
        assertEquals(2, store.find(t.taskId()).orElseThrow().servedVersion());
    }
}
