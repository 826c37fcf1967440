package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskDeleted;
import io.metalprompt.events.TaskEvent;
import io.metalprompt.events.TaskRegistered;

/** Registering and deleting tasks ({@link TaskService}), and the caller's task every use case looks up. */
class TaskServiceTest extends TaskUseCaseTest {

    @Test
    void registerStoresPendingAndPublishesTheRegistration() {
        Api.TaskAccepted accepted = service.register("acme", REQUEST);
        assertEquals(new Api.TaskAccepted(ID_1, "pending", "/v1/tasks/" + ID_1), accepted);
        assertEquals("pending", store.tasks.get(ID_1).status());
        TaskRegistered event = assertInstanceOf(TaskRegistered.class, published.get(0));
        assertEquals("acme", event.tenant());
        assertEquals(List.of("positive", "negative"), event.options());
        assertEquals(event, EventCodec.decode(store.registrations.get(ID_1), TaskEvent.class));
    }

    @Test
    void aFailedPublishUndoesTheStoreWriteAndIs503() {
        publishOutcome = CompletableFuture.failedFuture(new IllegalStateException("broker down"));
        ApiException e = assertThrows(ApiException.class, () -> service.register("acme", REQUEST));
        assertEquals(503, e.status());
        assertTrue(store.tasks.isEmpty());
    }

    @Test
    void deletePublishesTaskDeletedAndRemovesTheKeys() {
        service.register("acme", REQUEST);
        service.delete("acme", ID_1);
        assertInstanceOf(TaskDeleted.class, published.get(1));
        assertTrue(store.tasks.isEmpty() && store.registrations.isEmpty());
    }

    @Test
    void aTenantWithItsQuotaOfTasksGets429UntilItDeletesOne() {
        for (int i = 0; i < 3; i++) {
            service.register("acme", REQUEST);
        }
        ApiException e = assertThrows(ApiException.class, () -> service.register("acme", REQUEST));
        assertEquals(429, e.status());
        assertEquals("task-quota", e.slug());
        assertEquals(3, e.retryAfterSeconds());
        assertTrue(e.detail().contains("has 3 tasks"), e.detail());
        assertEquals(3, published.size(), "a refused task is not published");
        service.register("other", REQUEST);

        service.delete("acme", ID_1);
        service.register("acme", REQUEST);
    }

    /** An id not of the form the gateway issues is a 404 like an unknown one, and the store never sees it. */
    @Test
    void aMalformedIdIsNotFoundWithoutTouchingTheStore() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        store.lookups.clear();
        for (String id : List.of(ID_1 + ":registration", ID_1 + ":prompts", "*", "", ID_1.replace('4', 'A'), ID_1 + " ",
                "metal:task:" + ID_1)) {
            ApiException get = assertThrows(ApiException.class, () -> views.get("acme", id), id);
            assertEquals(404, get.status(), id);
            assertEquals(ApiException.notFound("x").slug(), get.slug());
            assertEquals(404, assertThrows(ApiException.class, () -> service.delete("acme", id)).status(), id);
            assertEquals(404, assertThrows(ApiException.class,
                    () -> predictions.predict("acme", id, new Api.PredictionRequest(List.of("x")))).status(), id);
        }
        assertEquals(List.of(), store.lookups);
        assertEquals(1, published.size(), "no TaskDeleted was published");
        assertEquals("ready", views.get("acme", ID_1).status());
    }

    @Test
    void aDesignNoPromptGeneratorServesIs422AndNothingIsStored() {
        store.designs = Optional.of(Set.of(PromptDesign.PREFIX, PromptDesign.WEIGHTED_SUM));
        Api.TaskRequest discrete = new Api.TaskRequest(REQUEST.examples(), null, "DISCRETE", null);
        ApiException e = assertThrows(ApiException.class, () -> service.register("acme", discrete));
        assertEquals(422, e.status());
        assertEquals("this deployment has no prompt generation model for design DISCRETE; the designs served are "
                + "[WEIGHTED_SUM, PREFIX]", e.detail());
        assertTrue(store.tasks.isEmpty() && published.isEmpty());
        service.register("acme", REQUEST);
        assertEquals(1, published.size(), "PREFIX is served");
    }

    @Test
    void whenNoPromptGeneratorHasSaidAnyDesignIsAccepted() {
        store.designs = Optional.empty();
        service.register("acme", new Api.TaskRequest(REQUEST.examples(), null, "HIDDEN_STATE", null));
        assertEquals(1, published.size());
    }

    @Test
    void aTaskOfTwelveExamplesWithoutValidationHoldsOutEveryFourth() {
        TaskService roomy = new TaskService(store, ready, event -> {
            published.add(event);
            return publishOutcome;
        }, quotas, new TaskSettings(new Limits(64, 100, 5, 8, 50, 40, 1_000_000), Duration.ofMillis(200),
                Duration.ofMillis(300), 3, 3), Clock.systemUTC(), () -> id(ids.incrementAndGet()));
        roomy.register("acme", examples(12));
        TaskRegistered event = assertInstanceOf(TaskRegistered.class, published.get(0));
        assertEquals(9, event.examples().size());
        assertEquals(List.of("input 3", "input 7", "input 11"),
                store.validation.get(ID_1).stream().map(io.metalprompt.events.Example::input).toList());
        roomy.register("acme", examples(11));
        assertEquals(11, ((TaskRegistered) published.get(1)).examples().size(), "fewer than 12: nothing held out");
    }

    @Test
    void givenValidationExamplesNothingIsHeldOutAndTheirOutputsMustBeOptions() {
        Api.TaskRequest withValidation = new Api.TaskRequest(examples(4).examples(), null, null, null,
                List.of(new Api.ExampleBody("checked", "positive")), null);
        service.register("acme", withValidation);
        assertEquals(4, ((TaskRegistered) published.get(0)).examples().size());
        assertEquals(1, store.validation.get(ID_1).size());
        Api.TaskRequest outside = new Api.TaskRequest(examples(4).examples(), null, null, null,
                List.of(new Api.ExampleBody("checked", "neutral")), null);
        assertEquals(422, assertThrows(ApiException.class, () -> service.register("acme", outside)).status());
    }

    @Test
    void aRefinementAskedForAtRegistrationIsPublishedRightAfterIt() {
        Api.TaskRequest refine = new Api.TaskRequest(examples(4).examples(), null, null, null, null, new Api.RefineBody(10));
        service.register("acme", refine);
        assertInstanceOf(TaskRegistered.class, published.get(0));
        io.metalprompt.events.TaskRefineRequested requested =
                assertInstanceOf(io.metalprompt.events.TaskRefineRequested.class, published.get(1));
        assertEquals(10, requested.steps());
        assertEquals(2, requested.version());
    }

    @Test
    void aRefinementOfADiscreteTaskOrOfTooManyStepsIsRefused() {
        Api.TaskRequest discrete = new Api.TaskRequest(examples(4).examples(), null, "DISCRETE", null, null,
                new Api.RefineBody(10));
        assertEquals(422, assertThrows(ApiException.class, () -> service.register("acme", discrete)).status());
        Api.TaskRequest tooMany = new Api.TaskRequest(examples(4).examples(), null, null, null, null, new Api.RefineBody(201));
        assertEquals(400, assertThrows(ApiException.class, () -> service.register("acme", tooMany)).status());
    }
}
