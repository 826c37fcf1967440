package io.metalprompt.gateway;

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

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Events;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Prediction;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskEvent;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.store.Refinements;
import io.metalprompt.store.TaskIndex;
import io.metalprompt.store.TaskRecord;

/**
 * The task use cases without Kafka, Redis or HTTP: a map store, a list publisher, a scripted worker; each test class
 * of a use case drives it (and the others it needs, registering tasks first) over the same fakes.
 */
abstract class TaskUseCaseTest {

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

        /** Runs once, right after the next read of a task or of its refinement (what changes between two reads). */
        Runnable afterNextRead;

        private void afterRead() {
            Runnable r = afterNextRead;
            afterNextRead = null;
            if (r != null) {
                r.run();
            }
        }

        @Override
        public Optional<TaskRecord> find(String taskId) {
            lookups.add(taskId);
            Optional<TaskRecord> found = Optional.ofNullable(tasks.get(taskId));
            afterRead();
            return found;
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

        final Map<String, Refinements.Refinement> refinements = new HashMap<>();

        @Override
        public Optional<Refinements.Refinement> refinement(String taskId) {
            Optional<Refinements.Refinement> found = Optional.ofNullable(refinements.get(taskId));
            afterRead();
            return found;
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

    final MapStore store = new MapStore();
    final MapMetering metering = new MapMetering();
    final List<TaskEvent> published = new ArrayList<>();
    final AtomicInteger ids = new AtomicInteger();
    CompletableFuture<Void> publishOutcome = CompletableFuture.completedFuture(null);
    final List<InferenceRequest> sent = new CopyOnWriteArrayList<>();
    /** The scripted worker answers once this completes (never: every prediction times out). */
    final CompletableFuture<Void> workerAnswers = new CompletableFuture<>();
    RuntimeException sendFailure;

    /** At most 2 requests of a tenant in progress; no rate limit (TenantQuotasTest covers it). */
    final TenantQuotas quotas = new TenantQuotas(new TenantQuotas.Settings(0, 0, 2),
            new InMemoryQuotaCounter(System::nanoTime), java.time.Duration.ofMinutes(1), 2);

    private final InferenceClient worker = (request, timeout) -> {
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
    };

    final TaskEventPublisher publisher = event -> {
        published.add(event);
        return publishOutcome;
    };

    final TaskSettings settings = new TaskSettings(new Limits(10, 100, 5, 8, 50, 40, 1_000_000), Duration.ofMillis(200),
            Duration.ofMillis(300), 3, 3);
    private final Clock clock = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);
    /** One supplier of ids for tasks and requests alike, as the gateway's {@code TaskIds::next}. */
    final java.util.function.Supplier<String> nextId = () -> id(ids.incrementAndGet());

    /** Ready tasks remembered by predictions, forgotten by deletions: shared, as in the service. */
    final ReadyTasks ready = new ReadyTasks(java.time.Duration.ofSeconds(5), 100);
    final TaskService service = new TaskService(store, ready, publisher, quotas, settings, clock, nextId);
    final TaskViews views = new TaskViews(store, quotas, clock);
    final VersionRequests versions = new VersionRequests(store, publisher, quotas, settings, clock);
    final Predictions predictions = new Predictions(store, ready, worker, quotas, settings, clock, nextId,
            metering);
    final UsageReports reports = new UsageReports(store, metering, quotas, clock);

    /** The n-th id the service is given, in the form the gateway issues. */
    static String id(int n) {
        return String.format("00000000-0000-4000-8000-%012d", n);
    }

    static final String ID_1 = id(1);

    static final Api.TaskRequest REQUEST = new Api.TaskRequest(
            List.of(new Api.ExampleBody("good", "positive"), new Api.ExampleBody("bad", "negative")), null, null, null);

    /** What the scripted worker answers: the first option for every input. */
    static InferenceResult positive(InferenceRequest request) {
        return new InferenceResult(Events.SCHEMA_VERSION, request.requestId(), request.taskId(), InferenceResult.Status.OK,
                request.inputs().stream().map(i -> new Prediction("positive", Map.of("positive", -0.2, "negative", -1.9),
                        null)).toList(), null, "pgm-1", 0L, 40L * request.inputs().size());
    }

    static Api.TaskRequest examples(int n) {
        List<Api.ExampleBody> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(new Api.ExampleBody("input " + i, i % 2 == 0 ? "positive" : "negative"));
        }
        return new Api.TaskRequest(list, null, null, null);
    }
}
