package io.metalprompt.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.Example;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.lm.BatchScorer;
import io.metalprompt.lm.KvCache;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.prompt.GeneratedPrompt;
import io.metalprompt.prompt.PromptArtifact;
import io.metalprompt.prompt.PromptConditioner;
import io.metalprompt.prompt.PromptEncoding;
import io.metalprompt.prompt.PromptGenerator;
import io.metalprompt.prompt.TaskExamples;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskStore;
import io.metalprompt.testing.TinyModels;
import io.metalprompt.testing.TinyModelsTestResource;
import io.metalprompt.text.IclFormat;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;

/** The worker's serving, driven without a broker through the application's beans, on real Redis and tiny models. */
@QuarkusTest
@QuarkusTestResource(value = TinyModelsTestResource.class, restrictToAnnotatedClass = false,
        initArgs = @ResourceArg(name = "pgm", value = "false"))
class InferenceEngineTest {

    @Inject
    InferenceEngine engine;

    @Inject
    TaskStore store;

    @Inject
    TaskPrompts prompts;

    @Inject
    LanguageModel model;

    @Inject
    LmTokenizer tokenizer;

    @Inject
    PrefixCache cache;

    private static final List<String> OPTIONS = List.of("good", "bad");

    /** Registers a ready task the way the prompt-generator stores one (in the default encoding). */
    private TaskRegistered readyTask(PromptDesign design, int demonstrations) {
        return readyTask(design, demonstrations, PromptEncoding.DEFAULT);
    }

    /** Registers a ready task whose prompt is stored in {@code encoding}. */
    private TaskRegistered readyTask(PromptDesign design, int demonstrations, PromptEncoding encoding) {
        TaskRegistered t = new TaskRegistered(1, UUID.randomUUID().toString(), "acme",
                List.of(new Example("a happy dog", "good"), new Example("a sad cat", "bad"),
                        new Example("a nice day", "good"), new Example("an awful day", "bad")),
                OPTIONS, design, demonstrations, Instant.now());
        store.register(t);
        Path pgmDir = Path.of(TinyModels.config().get("metal.model.pgm")).resolve(design.name().toLowerCase());
        try (PromptGenerator pgm = PromptGenerator.load(model, pgmDir);
             GeneratedPrompt prompt = pgm.generate(PromptConditioner.xp(TaskExamples.of(t), demonstrations), tokenizer)) {
            PromptArtifact artifact = PromptArtifact.of(prompt, pgm, Instant.now(), encoding);
            prompts.storeReady(t.taskId(), pgm.version(), prompt.k(), artifact.promptText(), artifact.toBytes());
        }
        return t;
    }

    private static InferenceRequest request(TaskRegistered t, String tenant, String... inputs) {
        return new InferenceRequest(1, UUID.randomUUID().toString(), t.taskId(), tenant, List.of(inputs), 0);
    }

    @Test
    void servedScoresAreTheEvaluatedScores() {
        for (PromptDesign design : PromptDesign.values()) {
            for (PromptEncoding encoding : PromptEncoding.values()) {
                servedScoresAreTheEvaluatedScores(design, encoding);
            }
        }
    }

    private void servedScoresAreTheEvaluatedScores(PromptDesign design, PromptEncoding encoding) {
        TaskRegistered t = readyTask(design, 2, encoding);
        List<String> inputs = List.of("a happy cat", "a sad dog");
        InferenceResult served = engine.serve(List.of(request(t, "acme", inputs.toArray(String[]::new)))).get(0);
        assertEquals(InferenceResult.Status.OK, served.status(), served.error());

        // the evaluation's path: the artifact's prompt + XL as a prefix, each input scored by BatchScorer
        String version = store.find(t.taskId()).orElseThrow().pgmVersion();
        PromptArtifact artifact = PromptArtifact.fromBytes(prompts.artifact(t.taskId(), version).orElseThrow());
        assertEquals(design == PromptDesign.DISCRETE ? PromptEncoding.F32 : encoding, artifact.encoding());
        List<long[]> options = OPTIONS.stream().map(o -> tokenizer.encode(IclFormat.renderAnswer(o))).toList();
        try (GeneratedPrompt prompt = artifact.toPrompt(model.manager());
             KvCache prefix = PromptConditioner.prefix(model, tokenizer, prompt,
                     PromptConditioner.xl(TaskExamples.of(t), 2))) {
            List<BatchScorer.Query> queries = new ArrayList<>();
            for (String input : inputs) {
                queries.add(new BatchScorer.Query(prefix, tokenizer.encode(IclFormat.queryText(input, true)), options));
            }
            double[][] expected = new BatchScorer(model).score(queries);
            long positions = 0;
            for (BatchScorer.Query q : queries) {
                for (long[] option : options) {
                    positions += prefix.length() + q.tokens().length + option.length;
                }
            }
            assertEquals(positions, served.tokensRead(), "the positions read: prefix, input and option per row");
            for (int i = 0; i < inputs.size(); i++) {
                assertArrayEquals(expected[i], got(served, i), 1e-4, design + " " + encoding + " input " + i);
            }
        }
    }

    private static double[] got(InferenceResult r, int i) {
        return OPTIONS.stream().mapToDouble(o -> r.predictions().get(i).scores().get(o)).toArray();
    }

    @Test
    void requestsOfSeveralTasksAreAnsweredInOneBatchInOrder() {
        TaskRegistered a = readyTask(PromptDesign.PREFIX, 0);
        TaskRegistered b = readyTask(PromptDesign.WEIGHTED_SUM, 1);
        List<InferenceRequest> batch = List.of(request(a, "acme", "a happy cat"), request(b, "acme", "x", "y", "z"),
                request(a, "acme", "a sad dog"));
        List<InferenceResult> results = engine.serve(batch);
        assertEquals(3, results.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(batch.get(i).requestId(), results.get(i).requestId());
            assertEquals(InferenceResult.Status.OK, results.get(i).status());
            assertEquals(batch.get(i).inputs().size(), results.get(i).predictions().size());
            assertTrue(OPTIONS.contains(results.get(i).predictions().get(0).choice()));
            // the same scores, input by input, as the request served on its own
            InferenceResult alone = engine.serve(List.of(batch.get(i))).get(0);
            for (int j = 0; j < alone.predictions().size(); j++) {
                assertArrayEquals(got(alone, j), got(results.get(i), j), 1e-4, "request " + i + " input " + j);
            }
        }
    }

    @Test
    void refusalsSayWhy() {
        TaskRegistered t = readyTask(PromptDesign.DISCRETE, 0);
        TaskRegistered pending = new TaskRegistered(1, UUID.randomUUID().toString(), "acme",
                List.of(new Example("x", "good")), OPTIONS, PromptDesign.PREFIX, 0, Instant.now());
        store.register(pending);
        String tooLong = "word ".repeat(400);
        List<InferenceResult> r = engine.serve(List.of(
                request(t, "someone-else", "a dog"),
                new InferenceRequest(1, "r-unknown", "no-such-task", "acme", List.of("a dog"), 0),
                request(pending, "acme", "a dog"),
                request(t, "acme", tooLong),
                new InferenceRequest(1, "r-late", t.taskId(), "acme", List.of("a dog"), 1)));
        assertEquals(InferenceResult.Status.NOT_FOUND, r.get(0).status(), "another tenant's task does not exist for them");
        assertEquals(InferenceResult.Status.NOT_FOUND, r.get(1).status());
        assertEquals(InferenceResult.Status.NOT_READY, r.get(2).status());
        assertTrue(r.get(2).error().contains("pending"), r.get(2).error());
        assertEquals(InferenceResult.Status.INVALID, r.get(3).status());
        assertTrue(r.get(3).error().matches("input 0 is too long: it needs \\d+ positions \\(its text and the longest "
                + "option\\); the model reads \\d+ after this task's \\d+-position prompt \\(" + model.config().maxPositions()
                + " in all\\)"), r.get(3).error());
        assertEquals(InferenceResult.Status.FAILED, r.get(4).status());
        assertTrue(r.get(4).error().contains("deadline"), r.get(4).error());
    }

    @Test
    void aRequestWhoseResultCannotFitItsReplyIsRefusedBeforeAnyScoring() {
        TaskRegistered t = readyTask(PromptDesign.PREFIX, 0);
        ArtifactPrefixLoader loader = new ArtifactPrefixLoader(store, prompts, model, tokenizer);
        int[] loads = {0};
        InferenceEngine small = new InferenceEngine(store, new PrefixCache(1 << 26), task -> {
            loads[0]++;
            return loader.load(task);
        }, new BatchScorer(model), tokenizer, model.config().maxPositions(), 256, java.time.Clock.systemUTC(),
                new ReplyBudget(6000));
        String[] inputs = new String[64];
        java.util.Arrays.fill(inputs, "a happy cat");
        List<InferenceResult> r = small.serve(List.of(request(t, "acme", inputs), request(t, "acme", "a sad dog")));
        assertEquals(InferenceResult.Status.INVALID, r.get(0).status());
        assertTrue(r.get(0).error().startsWith("the result would be about "), r.get(0).error());
        assertEquals(InferenceResult.Status.OK, r.get(1).status(), r.get(1).error());
        assertEquals(1, loads[0], "the refused request was refused before its task's prefix was even built");
    }

    @Test
    void aTaskIsServedWithThePromptItsVersionPointerNamesAndTheResultNamesThatVersion() {
        TaskRegistered t = readyTask(PromptDesign.PREFIX, 1);
        String old = store.find(t.taskId()).orElseThrow().pgmVersion();
        InferenceResult before = engine.serve(List.of(request(t, "acme", "a happy cat"))).get(0);
        assertEquals(old, before.pgmVersion());

        byte[] prompt = prompts.artifact(t.taskId(), old).orElseThrow();
        assertEquals(List.of(old), cache.cachedVersions(t.taskId()));

        // the prompt-generator's rollout: the new version's prompt stored and the pointer moved, in one step
        assertTrue(prompts.switchVersion(t.taskId(), "v-next", TinyModels.K, null, prompt));
        InferenceResult after = engine.serve(List.of(request(t, "acme", "a happy cat"))).get(0);
        assertEquals(InferenceResult.Status.OK, after.status(), after.error());
        assertEquals("v-next", after.pgmVersion());
        assertEquals(List.of("v-next"), cache.cachedVersions(t.taskId()), "the old version's prefix is dropped");
    }
}
