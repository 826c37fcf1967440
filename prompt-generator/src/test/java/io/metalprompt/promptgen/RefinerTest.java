package io.metalprompt.promptgen;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.Example;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskRefineRequested;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.store.PromptVersion;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.Refinements;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskStore;
import io.metalprompt.store.UsageStore;
import io.metalprompt.testing.TinyModelsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** Background refinement on real Redis and the tiny models, driven without a broker through the application's beans. */
@QuarkusTest
@QuarkusTestResource(value = TinyModelsTestResource.class, restrictToAnnotatedClass = false)
class RefinerTest {

    @Inject
    Refiner refiner;

    @Inject
    PromptTaskHandler handler;

    @Inject
    TaskStore store;

    @Inject
    TaskPrompts prompts;

    @Inject
    Refinements refinements;

    @Inject
    RedisConnector redis;

    /** Metrics are served on the management interface (its root path is /q). */
    @TestHTTPResource(value = "/metrics", management = true)
    java.net.URL metrics;

    /** The tenant's refinement steps as /q/metrics has them (parsed as ObservabilityTest does). */
    private double stepsCounted(String tenant) {
        List<String> lines = List.of(given().when().get(metrics).then().statusCode(200).extract().asString().split("\n"));
        return ObservabilityTest.value(lines, "metal_promptgen_usage_refinement_steps_total{", "tenant=\"" + tenant + "\"");
    }

    private TaskRegistered readyTask(String tenant) {
        List<Example> list = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            list.add(new Example("the dog number " + i + " ran", i % 2 == 0 ? "alpha" : "beta"));
        }
        TaskRegistered t = new TaskRegistered(1, UUID.randomUUID().toString(), tenant, list, List.of("alpha", "beta"),
                PromptDesign.PREFIX, 0, Instant.now());
        handler.handle(t);
        return t;
    }

    @Test
    void aRefinedPromptBecomesTheServedVersionAndItsStepsAreCounted() throws InterruptedException {
        String tenant = "refine-" + UUID.randomUUID();
        TaskRegistered t = readyTask(tenant);
        int version = refinements.queueRefinement(tenant, t.taskId(), 3, 2);
        // on a thread of its own, as the refiner's worker pool runs it (PyTorch's grad mode is per thread)
        Thread worker = new Thread(() -> refiner.refine(new TaskRefineRequested(1, t.taskId(), tenant, version, 3,
                Instant.now())));
        worker.start();
        worker.join();

        assertEquals(2, store.find(t.taskId()).orElseThrow().servedVersion());
        PromptVersion refined = prompts.versions(t.taskId()).get(1);
        assertEquals(PromptVersion.REFINED, refined.source());
        assertEquals(4, refined.examplesSeen());
        assertEquals(Refinements.Refinement.DONE, refinements.refinement(t.taskId()).orElseThrow().status());
        assertNotNull(prompts.artifactFor(store.find(t.taskId()).orElseThrow()).orElseThrow());
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        assertEquals(3L, new UsageStore(redis).read(tenant, today, today).get(t.taskId()).get(UsageStore.REFINEMENT_STEPS));
        assertEquals(3.0, stepsCounted(tenant), "the Prometheus counter has the same steps");
        assertEquals(3, refinements.queueRefinement(tenant, t.taskId(), 3, 1), "the tenant's slot is free again");
    }

    @Test
    void aRefinementReadAgainAfterItWasDoneChangesNothing() {
        String tenant = "refine-" + UUID.randomUUID();
        TaskRegistered t = readyTask(tenant);
        int version = refinements.queueRefinement(tenant, t.taskId(), 2, 2);
        TaskRefineRequested request = new TaskRefineRequested(1, t.taskId(), tenant, version, 2, Instant.now());
        refiner.refine(request);
        byte[] served = prompts.artifactFor(store.find(t.taskId()).orElseThrow()).orElseThrow();
        refiner.refine(request);   // a crash after the store, before the commit: the record is read again
        assertArrayEquals(served, prompts.artifactFor(store.find(t.taskId()).orElseThrow()).orElseThrow());
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        assertEquals(Map.of(UsageStore.PROMPT_GENERATIONS, 1L, UsageStore.REFINEMENT_STEPS, 2L),
                new UsageStore(redis).read(tenant, today, today).get(t.taskId()));
        assertEquals(2.0, stepsCounted(tenant), "counted once in Prometheus too");
    }

    @Test
    void aRefinementAskedForAtRegistrationWaitsForTheFirstPrompt() throws Exception {
        String tenant = "refine-" + UUID.randomUUID();
        List<Example> list = List.of(new Example("the dog number 1 ran", "alpha"), new Example("the cat number 2 sat", "beta"));
        TaskRegistered t = new TaskRegistered(1, UUID.randomUUID().toString(), tenant, list, List.of("alpha", "beta"),
                PromptDesign.PREFIX, 0, Instant.now());
        store.register(t);   // pending, as the gateway leaves it
        int version = refinements.queueRefinement(tenant, t.taskId(), 2, 2);
        Thread generation = new Thread(() -> {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            handler.handle(t);   // the generation group, meanwhile
        });
        generation.start();
        refiner.refine(new TaskRefineRequested(1, t.taskId(), tenant, version, 2, Instant.now()));
        generation.join();
        assertEquals(2, store.find(t.taskId()).orElseThrow().servedVersion());
    }
}
