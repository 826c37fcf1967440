package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Events;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Prediction;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskDeleted;
import io.metalprompt.events.TaskEvent;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.store.Refinements;
import io.metalprompt.store.TaskIndex;
import io.metalprompt.store.TaskRecord;

/** The use cases without Kafka, Redis or HTTP: a map store, a list publisher, a scripted worker. */
class TaskServiceTest {

    static class MapStore implements Tasks {
        final Map<String, TaskRecord> tasks = new HashMap<>();
        final Map<String, String> registrations = new HashMap<>();
        final List<String> lookups = new ArrayList<>();
        Optional<Set<PromptDesign>> designs = Optional.empty();

        @Override
        public boolean create(TaskRegistered task, int maxTasksPerTenant) {
            long owned = tasks.values().stream().filter(t -> t.tenant().equals(task.tenant())).count();
            if (maxTasksPerTenant > 0 && owned >= maxTasksPerTenant) {
                return false;
            }
            tasks.put(task.taskId(), new TaskRecord(task.taskId(), task.tenant(), TaskRecord.PENDING, task.design(),
                    task.options(), task.demonstrations(), task.registeredAt(), null, null, null, null));
            registrations.put(task.taskId(), EventCodec.encodeToString(task));
            return true;
        }

        @Override
        public Optional<TaskRecord> find(String taskId) {
            lookups.add(taskId);
            return Optional.ofNullable(tasks.get(taskId));
        }

        @Override
        public void delete(String taskId) {
            registrations.remove(taskId);
            tasks.remove(taskId);
        }

        @Override
        public List<TaskIndex.IndexEntry> newest(String tenant, Long afterMillis, String afterId, int count) {
            return tasks.values().stream().filter(t -> t.tenant().equals(tenant))
                    .map(t -> new TaskIndex.IndexEntry(t.taskId(), t.createdAt().toEpochMilli()))
                    .sorted(java.util.Comparator.comparingLong(TaskIndex.IndexEntry::registeredAtMillis)
                            .thenComparing(TaskIndex.IndexEntry::taskId).reversed())
                    .filter(e -> afterMillis == null || e.registeredAtMillis() < afterMillis
                            || (e.registeredAtMillis() == afterMillis && e.taskId().compareTo(afterId) < 0))
                    .limit(count).toList();
        }

        @Override
        public void unindex(String tenant, String taskId) {
        }

        final Map<String, List<io.metalprompt.events.Example>> added = new HashMap<>();
        final Map<String, Integer> versionSeq = new HashMap<>();

        @Override
        public int registeredExamples(String taskId) {
            return registrations.containsKey(taskId)
                    ? ((TaskRegistered) EventCodec.decode(registrations.get(taskId), TaskEvent.class)).examples().size() : 0;
        }

        @Override
        public int addExamples(String taskId, int registered, List<io.metalprompt.events.Example> examples,
                               List<io.metalprompt.events.Example> validation, int maxExamples) {
            List<io.metalprompt.events.Example> held = added.computeIfAbsent(taskId, t -> new ArrayList<>());
            if (registered + held.size() + examples.size() + validation.size() > maxExamples) {
                return -1;
            }
            held.addAll(examples);
            held.addAll(validation);
            return 1 + versionSeq.merge(taskId, 1, Integer::sum);
        }

        final Map<String, List<io.metalprompt.events.Example>> validation = new HashMap<>();

        @Override
        public void saveValidation(String taskId, List<io.metalprompt.events.Example> examples) {
            validation.put(taskId, examples);
        }

        @Override
        public int queueRefinement(String tenant, String taskId, int steps, int maxPerTenant) {
            return 2;
        }

        @Override
        public Optional<Refinements.Refinement> refinement(String taskId) {
            return Optional.empty();
        }

        @Override
        public void refinementEnded(String tenant, String taskId) {
        }

        @Override
        public List<io.metalprompt.store.PromptVersion> versions(String taskId) {
            return List.of();
        }

        @Override
        public Optional<Set<PromptDesign>> servedDesigns() {
            return designs;
        }

        void ready(String id) {
            TaskRecord t = tasks.get(id);
            tasks.put(id, new TaskRecord(id, t.tenant(), TaskRecord.READY, t.design(), t.options(), 0, t.createdAt(),
                    "pgm-1", 4, "a prompt", null));
        }
    }

    /** Counts as Redis keeps them: per tenant, task and day, each request id once; atomic as Redis' calls are. */
    static class MapMetering implements Metering {
        final Map<String, Map<String, Map<String, Long>>> byTenant = new HashMap<>();
        final Set<String> seen = new java.util.HashSet<>();
        final Map<String, Long> bytes = new HashMap<>();

        @Override
        public synchronized void answered(String tenant, String taskId, String requestId, java.time.LocalDate day, int inputs,
                             long tokensRead) {
            if (seen.add(requestId)) {
                Map<String, Long> c = byTenant.computeIfAbsent(tenant, t -> new HashMap<>())
                        .computeIfAbsent(taskId, t -> new HashMap<>());
                c.merge(io.metalprompt.store.UsageStore.INPUTS_ANSWERED, (long) inputs, Long::sum);
                c.merge(io.metalprompt.store.UsageStore.TOKENS_READ, tokensRead, Long::sum);
            }
        }

        @Override
        public synchronized Map<String, Map<String, Long>> read(String tenant, java.time.LocalDate from,
                                                                java.time.LocalDate to) {
            return byTenant.getOrDefault(tenant, Map.of());
        }

        @Override
        public long bytesStored(String taskId) {
            return bytes.getOrDefault(taskId, 0L);
        }
    }

    private final MapStore store = new MapStore();
    private final MapMetering metering = new MapMetering();
    private final List<TaskEvent> published = new ArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    private CompletableFuture<Void> publishOutcome = CompletableFuture.completedFuture(null);
    private final List<InferenceRequest> sent = new CopyOnWriteArrayList<>();
    /** The scripted worker answers once this completes (never: every prediction times out). */
    private final CompletableFuture<Void> workerAnswers = new CompletableFuture<>();
    private RuntimeException sendFailure;

    /** At most 2 requests of a tenant in progress; no rate limit (TenantQuotasTest covers it). */
    private final TenantQuotas quotas = new TenantQuotas(new TenantQuotas.Settings(0, 0, 2),
            new InMemoryQuotaCounter(System::nanoTime), java.time.Duration.ofMinutes(1), 2);

    private final TaskService service = new TaskService(store,
            event -> {
                published.add(event);
                return publishOutcome;
            },
            (request, timeout) -> {
                sent.add(request);
                if (sendFailure != null) {
                    throw sendFailure;
                }
                try {
                    workerAnswers.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException | ExecutionException e) {
                    throw new IllegalStateException(e);
                }
                return positive(request);
            },
            quotas,
            new TaskService.Settings(new Limits(10, 100, 5, 8, 50, 40, 1_000_000), Duration.ofMillis(200), Duration.ofMillis(300), 3, 3),
            Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC),
            () -> id(ids.incrementAndGet()), metering);

    /** The n-th id the service is given, in the form the gateway issues. */
    private static String id(int n) {
        return String.format("00000000-0000-4000-8000-%012d", n);
    }

    private static final String ID_1 = id(1);

    private static final Api.TaskRequest REQUEST = new Api.TaskRequest(
            List.of(new Api.ExampleBody("good", "positive"), new Api.ExampleBody("bad", "negative")), null, null, null);

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
    void anotherTenantsTaskIsNotFound() {
        service.register("acme", REQUEST);
        assertEquals(404, assertThrows(ApiException.class, () -> service.get("other", ID_1)).status());
    }

    @Test
    void deletePublishesTaskDeletedAndRemovesTheKeys() {
        service.register("acme", REQUEST);
        service.delete("acme", ID_1);
        assertInstanceOf(TaskDeleted.class, published.get(1));
        assertTrue(store.tasks.isEmpty() && store.registrations.isEmpty());
    }

    @Test
    void predictingAPendingTaskIs409NamingItsStatus() {
        service.register("acme", REQUEST);
        ApiException e = assertThrows(ApiException.class,
                () -> service.predict("acme", ID_1, new Api.PredictionRequest(List.of("x"))));
        assertEquals(409, e.status());
        assertTrue(e.detail().contains("is pending"), e.detail());
    }

    /** What the scripted worker answers: the first option for every input. */
    private static InferenceResult positive(InferenceRequest request) {
        return new InferenceResult(Events.SCHEMA_VERSION, request.requestId(), request.taskId(), InferenceResult.Status.OK,
                request.inputs().stream().map(i -> new Prediction("positive", Map.of("positive", -0.2, "negative", -1.9),
                        null)).toList(), null, "pgm-1", 0L, 40L * request.inputs().size());
    }

    @Test
    void predictionSendsARequestKeyedByTaskAndMapsTheResult() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        workerAnswers.complete(null);
        Api.PredictionResponse response = service.predict("acme", ID_1, new Api.PredictionRequest(List.of("fine")));
        InferenceRequest request = sent.get(0);
        assertEquals(ID_1, request.taskId());
        assertEquals(Instant.parse("2026-01-02T03:04:05Z").toEpochMilli() + 300, request.deadlineEpochMillis(),
                "the deadline is the prediction timeout from now");
        assertEquals("positive", response.predictions().get(0).choice());
    }

    @Test
    void noAnswerWithinTheTimeoutIs504WithRetryAfter() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        long t0 = System.nanoTime();
        ApiException api = assertThrows(ApiException.class, () -> service.predict("acme", ID_1,
                new Api.PredictionRequest(List.of("fine"))));
        long waited = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(504, api.status());
        assertEquals(3, api.retryAfterSeconds());
        assertTrue(waited >= 300, "waited the 300 ms prediction timeout, not " + waited + " ms");
        assertEquals(0, quotas.inProgress("acme"));
    }

    @Test
    void aRequestThatCannotBeSentIs503WithTheConfiguredRetryAfter() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        sendFailure = new IllegalStateException("could not send the request to Kafka: broker down");
        ApiException api = assertThrows(ApiException.class, () -> service.predict("acme", ID_1,
                new Api.PredictionRequest(List.of("fine"))));
        assertEquals(503, api.status());
        assertEquals(3, api.retryAfterSeconds());
        assertTrue(api.detail().contains("broker down"), api.detail());
        assertEquals(0, quotas.inProgress("acme"));
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

    @Test
    void aPredictionCountsAsInProgressUntilTheWorkerAnswers() throws InterruptedException {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        CompletableFuture<Api.PredictionResponse> first = CompletableFuture.supplyAsync(() -> service.predict("acme",
                ID_1, new Api.PredictionRequest(List.of("fine"))));
        CompletableFuture<Api.PredictionResponse> second = CompletableFuture.supplyAsync(() -> service.predict("acme",
                ID_1, new Api.PredictionRequest(List.of("fine"))));
        while (sent.size() < 2) {
            Thread.sleep(5);
        }
        assertEquals(2, quotas.inProgress("acme"));
        ApiException e = assertThrows(ApiException.class, () -> service.get("acme", ID_1));
        assertEquals(429, e.status());
        assertEquals("too-many-concurrent-requests", e.slug());
        assertEquals(404, assertThrows(ApiException.class, () -> service.get("other", ID_1)).status(),
                "another tenant's requests are counted apart");
        workerAnswers.complete(null);
        first.join();
        second.join();
        assertEquals(0, quotas.inProgress("acme"), "both permits are given back");
        assertEquals("ready", service.get("acme", ID_1).status());
    }

    @Test
    void aRefusedPredictionGivesItsPermitBack() {
        service.register("acme", REQUEST);
        for (int i = 0; i < 3; i++) {
            assertEquals(409, assertThrows(ApiException.class,
                    () -> service.predict("acme", ID_1, new Api.PredictionRequest(List.of("x")))).status());
        }
        assertEquals(0, quotas.inProgress("acme"));
    }

    /** An id not of the form the gateway issues is a 404 like an unknown one, and the store never sees it. */
    @Test
    void aMalformedIdIsNotFoundWithoutTouchingTheStore() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        store.lookups.clear();
        for (String id : List.of(ID_1 + ":registration", ID_1 + ":prompts", "*", "", ID_1.replace('4', 'A'), ID_1 + " ",
                "metal:task:" + ID_1)) {
            ApiException get = assertThrows(ApiException.class, () -> service.get("acme", id), id);
            assertEquals(404, get.status(), id);
            assertEquals(ApiException.notFound("x").slug(), get.slug());
            assertEquals(404, assertThrows(ApiException.class, () -> service.delete("acme", id)).status(), id);
            assertEquals(404, assertThrows(ApiException.class,
                    () -> service.predict("acme", id, new Api.PredictionRequest(List.of("x")))).status(), id);
        }
        assertEquals(List.of(), store.lookups);
        assertEquals(1, published.size(), "no TaskDeleted was published");
        assertEquals("ready", service.get("acme", ID_1).status());
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

    private List<String> ids(Api.TaskPage page) {
        return page.tasks().stream().map(Api.TaskView::id).toList();
    }

    @Test
    void listingPagesTheTenantsTasksNewestFirstAndEndsWithoutACursor() {
        for (int i = 0; i < 3; i++) {
            service.register("acme", REQUEST);
        }
        service.register("other", REQUEST);
        List<String> acme = store.tasks.values().stream().filter(t -> t.tenant().equals("acme"))
                .map(TaskRecord::taskId).sorted(java.util.Comparator.reverseOrder()).toList();
        Api.TaskPage first = service.list("acme", "2", null);
        assertEquals(acme.subList(0, 2), ids(first));
        Api.TaskPage second = service.list("acme", "2", first.nextCursor());
        assertEquals(acme.subList(2, 3), ids(second));
        assertEquals(null, second.nextCursor());
    }

    @Test
    void aTaskRegisteredWhilePagingDoesNotAppearOnLaterPages() {
        service.register("acme", REQUEST);
        service.register("acme", REQUEST);
        Api.TaskPage first = service.list("acme", "1", null);
        assertEquals(List.of(id(2)), ids(first));
        service.register("acme", REQUEST);   // id 3: the same millisecond (fixed clock), after id 2 in the order
        assertEquals(List.of(id(1)), ids(service.list("acme", "1", first.nextCursor())));
    }

    @Test
    void aLimitOutOfRangeOrACursorNotGivenByTheApiIs400() {
        assertEquals(400, assertThrows(ApiException.class, () -> service.list("acme", "0", null)).status());
        assertEquals(400, assertThrows(ApiException.class, () -> service.list("acme", "101", null)).status());
        assertEquals(400, assertThrows(ApiException.class, () -> service.list("acme", "ten", null)).status());
        assertEquals(400, assertThrows(ApiException.class, () -> service.list("acme", null, "bm90IGEgY3Vyc29y")).status());
    }

    @Test
    void anAnsweredPredictionIsCountedWithThePositionsTheWorkerRead() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        workerAnswers.complete(null);
        service.predict("acme", ID_1, new Api.PredictionRequest(List.of("fine", "awful")));
        assertEquals(Map.of("inputsAnswered", 2L, "tokensRead", 80L), metering.byTenant.get("acme").get(ID_1));
    }

    @Test
    void aPredictionNotAnsweredIsNotCounted() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        assertEquals(504, assertThrows(ApiException.class,
                () -> service.predict("acme", ID_1, new Api.PredictionRequest(List.of("fine")))).status());
        assertTrue(metering.byTenant.isEmpty());
    }

    @Test
    void usageSumsTheTenantsTasksAndAddsWhatEachHoldsNow() {
        service.register("acme", REQUEST);
        service.register("acme", REQUEST);
        store.ready(ID_1);
        workerAnswers.complete(null);
        service.predict("acme", ID_1, new Api.PredictionRequest(List.of("fine")));
        metering.bytes.put(ID_1, 1000L);
        metering.bytes.put(id(2), 500L);
        Api.Usage usage = service.usage("acme", null, null);
        assertEquals("2026-01-02", usage.from());
        assertEquals("2026-01-02", usage.to());
        assertEquals(new Api.Counts(1, 40, 0, 0, 1500), usage.totals());
        assertEquals(List.of(new Api.TaskUsage(ID_1, 1, 40, 0, 0, 1000), new Api.TaskUsage(id(2), 0, 0, 0, 0, 500)),
                usage.tasks());
        assertEquals(new Api.Counts(0, 0, 0, 0, 0), service.usage("other", null, null).totals());
    }

    @Test
    void aUsageRangeThatIsNotDaysOrRunsBackwardsIs400() {
        assertEquals(400, assertThrows(ApiException.class, () -> service.usage("acme", "yesterday", null)).status());
        assertEquals(400, assertThrows(ApiException.class, () -> service.usage("acme", "2026-01-03", "2026-01-02")).status());
        assertEquals(400, assertThrows(ApiException.class, () -> service.usage("acme", "2024-01-01", "2026-01-02")).status());
    }

    private static final Api.ExamplesRequest MORE = new Api.ExamplesRequest(
            List.of(new Api.ExampleBody("fine", "positive"), new Api.ExampleBody("awful", "negative")), null);

    @Test
    void examplesForAReadyTaskAreTheNextVersionAndPublished() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        assertEquals(new Api.VersionAccepted(ID_1, 2, "/v1/tasks/" + ID_1), service.addExamples("acme", ID_1, MORE));
        io.metalprompt.events.TaskExamplesAdded event =
                assertInstanceOf(io.metalprompt.events.TaskExamplesAdded.class, published.get(1));
        assertEquals(2, event.version());
        assertEquals(2, event.examples().size());
    }

    @Test
    void examplesBeyondWhatATaskMayHoldAre413AndAddNothing() {
        service.register("acme", REQUEST);   // 2 examples; the test limit is 10
        store.ready(ID_1);
        service.addExamples("acme", ID_1, MORE);
        service.addExamples("acme", ID_1, MORE);
        service.addExamples("acme", ID_1, MORE);
        assertEquals(413, assertThrows(ApiException.class, () -> service.addExamples("acme", ID_1,
                new Api.ExamplesRequest(MORE.examples(), MORE.examples()))).status());
        assertEquals(6, store.added.get(ID_1).size());
    }

    private static Api.TaskRequest examples(int n) {
        List<Api.ExampleBody> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(new Api.ExampleBody("input " + i, i % 2 == 0 ? "positive" : "negative"));
        }
        return new Api.TaskRequest(list, null, null, null);
    }

    @Test
    void aTaskOfTwelveExamplesWithoutValidationHoldsOutEveryFourth() {
        TaskService roomy = new TaskService(store, event -> {
            published.add(event);
            return publishOutcome;
        }, (request, timeout) -> positive(request), quotas,
                new TaskService.Settings(new Limits(64, 100, 5, 8, 50, 40, 1_000_000), Duration.ofMillis(200),
                        Duration.ofMillis(300), 3, 3), Clock.systemUTC(), () -> id(ids.incrementAndGet()), metering);
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
