package io.metalprompt.gateway;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.metalprompt.events.Events;
import io.metalprompt.events.Example;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskDeleted;
import io.metalprompt.events.TaskEvent;
import io.metalprompt.events.TaskExamplesAdded;
import io.metalprompt.events.TaskIds;
import io.metalprompt.events.TaskRefineRequested;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.store.PromptVersion;
import io.metalprompt.store.TaskIndex;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.UsageStore;

/**
 * The gateway's use cases — register, read, delete, predict — in plain Java over the task store, the
 * event publisher and the inference client, so unit tests drive them without Kafka or HTTP.
 */
public class TaskService {

    /** The settings the service needs (from {@link GatewayConfig.Gateway}); {@code maxTasksPerTenant} 0 = no limit. */
    public record Settings(Limits limits, Duration publishTimeout, Duration predictionTimeout, int retryAfterSeconds,
                           int maxTasksPerTenant, int maxRefinementsPerTenant) {
        public Settings(Limits limits, Duration publishTimeout, Duration predictionTimeout, int retryAfterSeconds,
                        int maxTasksPerTenant) {
            this(limits, publishTimeout, predictionTimeout, retryAfterSeconds, maxTasksPerTenant, 2);
        }
    }



    private final Tasks store;
    private final Metering metering;
    private final TaskEventPublisher publisher;
    private final InferenceClient inference;
    private final TenantQuotas quotas;
    private final Settings settings;
    private final TaskValidator validator;
    private final PredictionMapper mapper;
    private final Clock clock;
    private final Supplier<String> ids;

    public TaskService(Tasks store, TaskEventPublisher publisher, InferenceClient inference, TenantQuotas quotas,
                       Settings settings, Clock clock, Supplier<String> ids) {
        this(store, publisher, inference, quotas, settings, clock, ids, null);
    }

    /** {@code metering} counts answered predictions and reads usage back (null: nothing is counted). */
    public TaskService(Tasks store, TaskEventPublisher publisher, InferenceClient inference, TenantQuotas quotas,
                       Settings settings, Clock clock, Supplier<String> ids, Metering metering) {
        this.store = store;
        this.metering = metering;
        this.publisher = publisher;
        this.inference = inference;
        this.quotas = quotas;
        this.settings = settings;
        this.validator = new TaskValidator(settings.limits());
        this.mapper = new PredictionMapper(settings.retryAfterSeconds());
        this.clock = clock;
        this.ids = ids;
    }

    public static String statusUrl(String taskId) {
        return "/v1/tasks/" + taskId;
    }

    /**
     * Validates, stores the task as pending (429 when the tenant has its quota of tasks), publishes
     * {@link TaskRegistered}; undoes the store write if publishing fails.
     */
    public Api.TaskAccepted register(String tenant, Api.TaskRequest request) {
        try (TenantQuotas.Permit permit = quotas.enter(tenant)) {
            TaskValidator.ValidTask task = validator.validate(request);
            requireServed(task.design());
            String id = ids.get();
            TaskRegistered event = new TaskRegistered(Events.SCHEMA_VERSION, id, tenant, task.examples(), task.options(),
                    task.design(), task.demonstrations(), clock.instant());
            validator.checkRecordSize(event);
            if (!store.create(event, settings.maxTasksPerTenant())) {
                throw ApiException.tooManyRequests("task-quota", "tenant '" + tenant + "' has "
                        + settings.maxTasksPerTenant() + " tasks, the most it may keep; delete tasks it no longer needs "
                        + "(DELETE /v1/tasks/{id}) before registering more", settings.retryAfterSeconds());
            }
            int refineVersion = 0;
            try {
                store.saveValidation(id, task.validation());   // before the prompt-generator can read the task
                if (task.refineSteps() != null) {
                    refineVersion = store.queueRefinement(tenant, id, task.refineSteps(),
                            settings.maxRefinementsPerTenant());
                    if (refineVersion < 0) {
                        throw refinementQuota(tenant);
                    }
                }
                publish(event);
            } catch (ApiException | io.lettuce.core.RedisException e) {
                store.delete(id);
                throw e;
            }
            if (refineVersion > 0) {
                // after the registration on the task's partition: the refiner waits for the first prompt, then refines
                try {
                    publish(new TaskRefineRequested(Events.SCHEMA_VERSION, id, tenant, refineVersion, task.refineSteps(),
                            clock.instant()));
                } catch (ApiException e) {
                    store.refinementEnded(tenant, id);   // the task stands; its refinement shows rejected
                }
            }
            return new Api.TaskAccepted(id, TaskRecord.PENDING, statusUrl(id));
        }
    }

    /**
     * 422 when the prompt-generators have said which designs they serve and {@code design} is not one of them; when
     * none has said (none started yet, or one from before they did), any design is accepted and a task without a PGM
     * fails in the prompt-generator, as it did before.
     */
    private void requireServed(PromptDesign design) {
        store.servedDesigns().filter(served -> !served.contains(design)).ifPresent(served -> {
            throw ApiException.unprocessable("this deployment has no prompt generation model for design " + design
                    + "; the designs served are " + EnumSet.copyOf(served));
        });
    }

    /** The task with its prompt versions (a ready task registered before versions were recorded shows its first). */
    public Api.TaskView get(String tenant, String taskId) {
        try (TenantQuotas.Permit permit = quotas.enter(tenant)) {
            TaskRecord t = find(tenant, taskId);
            Api.TaskView v = view(t);
            List<PromptVersion> recorded = store.versions(taskId);
            List<Api.VersionView> versions = new java.util.ArrayList<>();
            Integer seen = null;
            for (PromptVersion p : recorded) {
                boolean served = t.ready() && p.number() == t.servedVersion();
                if (served) {
                    seen = p.examplesSeen();
                }
                PromptVersion.Quality q = p.quality();
                versions.add(new Api.VersionView(p.number(), p.source(), p.examplesSeen(), p.pgmVersion(),
                        p.createdAt() == null ? null : p.createdAt().toString(), served,
                        q == null ? null : new Api.QualityView(q.macroF1(), q.accuracy(), q.iclMacroF1(), q.iclAccuracy(),
                                q.validationExamples()), p.rejected()));
            }
            if (recorded.isEmpty() && t.ready()) {
                versions.add(new Api.VersionView(1, PromptVersion.GENERATED, null, t.pgmVersion(), null, true, null, null));
            }
            Api.RefineView refine = store.refinement(taskId)
                    .map(r -> new Api.RefineView(r.steps(), r.status())).orElse(null);
            return new Api.TaskView(v.id(), v.status(), v.design(), v.k(), v.pgmVersion(), v.promptText(), v.reason(),
                    v.options(), v.createdAt(), seen, v.version(), versions, refine);
        }
    }

    /** The task as a page lists it: no versions. */
    private static Api.TaskView view(TaskRecord t) {
        String promptText = t.design() == PromptDesign.DISCRETE ? t.promptText() : null;
        String reason = TaskRecord.FAILED.equals(t.status()) ? t.reason() : null;
        return new Api.TaskView(t.taskId(), t.status(), t.design().name(), t.k(), t.pgmVersion(), promptText, reason,
                t.options(), t.createdAt() == null ? null : t.createdAt().toString(), null,
                t.ready() ? t.servedVersion() : null, null);
    }

    /**
     * Background refinement of a ready task's served prompt ({@code POST /v1/tasks/{id}/refine}): {@code steps} 1 to
     * 200 (400), not a DISCRETE task (its prompt is tokens: 422), at most one queued or running per task (409) and
     * {@code max-refinements} per tenant (429); allots the version it makes and publishes {@link TaskRefineRequested}
     * for the refiner.
     */
    public Api.VersionAccepted refine(String tenant, String taskId, Api.RefineBody request) {
        try (TenantQuotas.Permit permit = quotas.enter(tenant)) {
            TaskRecord task = find(tenant, taskId);
            if (request == null) {
                throw ApiException.badRequest("a JSON body {\"steps\": N} with N from 1 to "
                        + TaskValidator.MAX_REFINE_STEPS + " is required");
            }
            TaskValidator.refineSteps(request);
            if (task.design() == PromptDesign.DISCRETE) {
                throw ApiException.unprocessable("task " + taskId + " has a DISCRETE prompt: vocabulary tokens, with no "
                        + "continuous tensors for gradient refinement to change; refinement takes WEIGHTED_SUM, "
                        + "HIDDEN_STATE and PREFIX tasks");
            }
            if (!task.ready()) {
                throw ApiException.conflict("task " + taskId + " is " + task.status() + ": a prompt is refined once it "
                        + "is ready", TaskRecord.FAILED.equals(task.status()) ? 0 : settings.retryAfterSeconds());
            }
            int version = store.queueRefinement(tenant, taskId, request.steps(), settings.maxRefinementsPerTenant());
            if (version == 0) {
                throw new ApiException(409, "refinement-in-progress", "Refinement in progress", "task " + taskId
                        + " is being refined already; wait until its refine status is done or rejected",
                        settings.retryAfterSeconds());
            }
            if (version < 0) {
                throw refinementQuota(tenant);
            }
            publish(new TaskRefineRequested(Events.SCHEMA_VERSION, taskId, tenant, version, request.steps(),
                    clock.instant()));
            return new Api.VersionAccepted(taskId, version, statusUrl(taskId));
        }
    }

    private ApiException refinementQuota(String tenant) {
        return ApiException.tooManyRequests("refinement-quota", "tenant '" + tenant + "' has "
                + settings.maxRefinementsPerTenant() + " refinements queued or running, the most it may "
                + "(metal.gateway.quota.max-refinements); retry when one is done", settings.retryAfterSeconds());
    }

    /**
     * More examples for a ready task ({@code POST /v1/tasks/{id}/examples}): checks them against the task's options
     * and the examples it may hold in all ({@code max-examples-per-task}, counting those it was registered with and
     * every validation example: 413), appends them and allots the next version's number in one step, then publishes
     * {@link TaskExamplesAdded} for the prompt-generator, which makes that version from the served prompt and these
     * examples and serves it once stored. Until then requests are answered by the served version.
     */
    public Api.VersionAccepted addExamples(String tenant, String taskId, Api.ExamplesRequest request) {
        try (TenantQuotas.Permit permit = quotas.enter(tenant)) {
            TaskRecord task = find(tenant, taskId);
            if (request == null) {
                throw ApiException.badRequest("a JSON body {\"examples\": [{\"input\": ..., \"output\": ...}], "
                        + "\"validation\": [...]} is required");
            }
            List<Example> examples = validator.validateMore(request.examples(), task.options(), "examples", true);
            List<Example> validation = validator.validateMore(request.validation(), task.options(), "validation", false);
            if (!task.ready()) {
                if (TaskRecord.FAILED.equals(task.status())) {
                    throw ApiException.conflict("task " + taskId + " is failed: it has no prompt to add examples to; "
                            + "register the task again", 0);
                }
                throw ApiException.conflict("task " + taskId + " is " + task.status() + ": add examples once its first "
                        + "prompt is ready (poll " + statusUrl(taskId) + ")", settings.retryAfterSeconds());
            }
            int max = settings.limits().maxExamplesPerTask();
            TaskExamplesAdded event = new TaskExamplesAdded(Events.SCHEMA_VERSION, taskId, tenant, 2, examples,
                    validation, clock.instant());
            validator.checkRecordSize(event);
            int registered = store.registeredExamples(taskId);
            int version = store.addExamples(taskId, registered, examples, validation, max);
            if (version < 0) {
                throw ApiException.tooLarge("task " + taskId + " may hold at most " + max + " examples in all "
                        + "(metal.gateway.max-examples-per-task, validation examples included); it holds too many to "
                        + "take these " + (examples.size() + validation.size()));
            }
            publish(new TaskExamplesAdded(Events.SCHEMA_VERSION, taskId, tenant, version, examples, validation,
                    event.addedAt()));
            return new Api.VersionAccepted(taskId, version, statusUrl(taskId));
        }
    }

    /** The most tasks one page lists, and how many when the caller does not say. */
    static final int MAX_PAGE = 100;
    static final int DEFAULT_PAGE = 20;

    /** How old an index entry whose task hash is missing must be before a listing drops it (a registration in flight). */
    static final Duration DANGLING_AFTER = Duration.ofMinutes(5);

    /**
     * One page of the tenant's tasks, newest first ({@code GET /v1/tasks}): {@code limit} 1 to 100 (null: 20),
     * {@code cursor} the {@code nextCursor} of the page before (null: the first page). Walks the tenant's index
     * (never another tenant's), reads each task, and skips an entry whose task is gone (deleted meanwhile, or a
     * registration whose hash is not written yet); {@code nextCursor} is null on the last page.
     */
    public Api.TaskPage list(String tenant, String limit, String cursor) {
        try (TenantQuotas.Permit permit = quotas.enter(tenant)) {
            int size = pageSize(limit);
            TaskCursor after = cursor == null ? null : TaskCursor.decode(cursor);
            List<Api.TaskView> views = new java.util.ArrayList<>(size);
            TaskIndex.IndexEntry lastListed = null;
            boolean more = false;
            Long fromMillis = after == null ? null : after.millis();
            String fromId = after == null ? null : after.taskId();
            while (!more) {
                int wanted = size + 1 - views.size();
                List<TaskIndex.IndexEntry> entries = store.newest(tenant, fromMillis, fromId, wanted);
                for (TaskIndex.IndexEntry e : entries) {
                    Optional<TaskRecord> task = store.find(e.taskId());
                    if (task.isEmpty()) {
                        if (clock.millis() - e.registeredAtMillis() > DANGLING_AFTER.toMillis()) {
                            store.unindex(tenant, e.taskId());
                        }
                        continue;
                    }
                    if (!tenant.equals(task.get().tenant())) {
                        continue;
                    }
                    if (views.size() == size) {
                        more = true;
                        break;
                    }
                    views.add(view(task.get()));
                    lastListed = e;
                }
                if (entries.size() < wanted) {
                    break;
                }
                TaskIndex.IndexEntry last = entries.get(entries.size() - 1);
                fromMillis = last.registeredAtMillis();
                fromId = last.taskId();
            }
            return new Api.TaskPage(views, more ? TaskCursor.after(lastListed).encode() : null);
        }
    }

    private static int pageSize(String limit) {
        if (limit == null) {
            return DEFAULT_PAGE;
        }
        try {
            int n = Integer.parseInt(limit.strip());
            if (n >= 1 && n <= MAX_PAGE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw ApiException.badRequest("limit must be an integer from 1 to " + MAX_PAGE + " (default " + DEFAULT_PAGE
                + "), not '" + limit + "'");
    }

    /** Publishes {@link TaskDeleted} first (a retry after a failure is harmless), then removes the Redis keys. */
    public void delete(String tenant, String taskId) {
        try (TenantQuotas.Permit permit = quotas.enter(tenant)) {
            find(tenant, taskId);
            publish(new TaskDeleted(Events.SCHEMA_VERSION, taskId, tenant, clock.instant()));
            store.delete(taskId);
        }
    }

    /**
     * Checks the task is the caller's and ready, then sends the inputs to a worker, waits for its result at most
     * {@code metal.gateway.prediction-timeout} (504 after it) and maps the result. The call counts as one of the
     * tenant's requests in progress until it returns.
     */
    public Api.PredictionResponse predict(String tenant, String taskId, Api.PredictionRequest request) {
        try (TenantQuotas.Permit permit = quotas.enter(tenant)) {
            TaskRecord task = find(tenant, taskId);
            if (!TaskRecord.READY.equals(task.status())) {
                if (TaskRecord.FAILED.equals(task.status())) {
                    throw ApiException.conflict("task " + taskId + " is failed" + (task.reason() == null ? "" : " (" + task.reason() + ")")
                            + ": it cannot serve predictions; register the task again", 0);
                }
                throw ApiException.conflict("task " + taskId + " is " + task.status()
                        + ": its prompt is still being generated; poll " + statusUrl(taskId) + " until it is ready",
                        settings.retryAfterSeconds());
            }
            List<String> inputs = validator.validateInputs(request, task.options() == null ? 0 : task.options().size());
            Duration timeout = settings.predictionTimeout();
            InferenceRequest inferenceRequest = new InferenceRequest(Events.SCHEMA_VERSION, ids.get(), taskId, tenant,
                    inputs, clock.millis() + timeout.toMillis());
            InferenceResult result;
            try {
                result = inference.request(inferenceRequest, timeout);
            } catch (TimeoutException e) {
                throw ApiException.timeout("no inference worker answered within " + timeout.toSeconds()
                        + " s; retry later", settings.retryAfterSeconds());
            } catch (RuntimeException e) {
                throw ApiException.unavailable("the inference request failed (" + e.getMessage() + "); retry later",
                        settings.retryAfterSeconds());
            }
            Api.PredictionResponse response = mapper.toResponse(taskId, inputs, result);
            if (metering != null) {
                // the one result this call answers with: counted once, under its request id, before the answer leaves
                metering.answered(tenant, taskId, inferenceRequest.requestId(), today(), inputs.size(), result.tokensRead());
            }
            return response;
        }
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /** The longest range {@code GET /v1/usage} reads at once, in days. */
    static final int MAX_USAGE_DAYS = 366;

    /**
     * What the tenant used on the UTC days {@code from}..{@code to} (ISO dates, inclusive; {@code to} null: today,
     * {@code from} null: the same day as {@code to}), per task and in total: the counts of those days, and the bytes each of its tasks holds now.
     */
    public Api.Usage usage(String tenant, String from, String to) {
        try (TenantQuotas.Permit permit = quotas.enter(tenant)) {
            if (metering == null) {
                throw ApiException.notFound("usage metering is not enabled");
            }
            LocalDate last = to == null ? today() : day(to, "to");
            LocalDate first = from == null ? last : day(from, "from");
            if (last.isBefore(first)) {
                throw ApiException.badRequest("from (" + first + ") is after to (" + last + ")");
            }
            if (java.time.temporal.ChronoUnit.DAYS.between(first, last) >= MAX_USAGE_DAYS) {
                throw ApiException.badRequest("a usage range may span at most " + MAX_USAGE_DAYS + " days; ask for "
                        + first + " to " + first.plusDays(MAX_USAGE_DAYS - 1) + " and go on from there");
            }
            Map<String, Map<String, Long>> counts = new java.util.TreeMap<>(metering.read(tenant, first, last));
            Map<String, Long> bytes = new java.util.HashMap<>();
            for (String id : allTaskIds(tenant)) {
                bytes.put(id, metering.bytesStored(id));
                counts.putIfAbsent(id, Map.of());
            }
            List<Api.TaskUsage> tasks = new java.util.ArrayList<>();
            long[] total = new long[5];
            for (Map.Entry<String, Map<String, Long>> e : counts.entrySet()) {
                Map<String, Long> c = e.getValue();
                Api.TaskUsage u = new Api.TaskUsage(e.getKey(), c.getOrDefault(UsageStore.INPUTS_ANSWERED, 0L),
                        c.getOrDefault(UsageStore.TOKENS_READ, 0L), c.getOrDefault(UsageStore.PROMPT_GENERATIONS, 0L),
                        c.getOrDefault(UsageStore.REFINEMENT_STEPS, 0L), bytes.getOrDefault(e.getKey(), 0L));
                tasks.add(u);
                total[0] += u.inputsAnswered();
                total[1] += u.tokensRead();
                total[2] += u.promptGenerations();
                total[3] += u.refinementSteps();
                total[4] += u.bytesStored();
            }
            return new Api.Usage(tenant, first.toString(), last.toString(),
                    new Api.Counts(total[0], total[1], total[2], total[3], total[4]), tasks);
        }
    }

    private static LocalDate day(String value, String name) {
        try {
            return LocalDate.parse(value.strip());
        } catch (java.time.format.DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be a UTC day as yyyy-mm-dd (e.g. 2026-12-04), not '" + value + "'");
        }
    }

    /** Every task id in the tenant's index. */
    private List<String> allTaskIds(String tenant) {
        List<String> ids = new java.util.ArrayList<>();
        Long millis = null;
        String id = null;
        while (true) {
            List<TaskIndex.IndexEntry> page = store.newest(tenant, millis, id, 500);
            page.forEach(e -> ids.add(e.taskId()));
            if (page.size() < 500) {
                return ids;
            }
            millis = page.get(page.size() - 1).registeredAtMillis();
            id = page.get(page.size() - 1).taskId();
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * The caller's task; 404 for an id of another tenant, an unknown id and an id not of the form the gateway issues
     * (that one never reaches the store), all with the same answer.
     */
    private TaskRecord find(String tenant, String taskId) {
        return (TaskIds.isValid(taskId) ? store.find(taskId) : Optional.<TaskRecord>empty())
                .filter(t -> tenant.equals(t.tenant()))
                .orElseThrow(() -> ApiException.notFound("no task " + taskId + " for tenant '" + tenant
                        + "'; register one with POST /v1/tasks"));
    }

    private void publish(TaskEvent event) {
        try {
            publisher.publish(event).toCompletableFuture()
                    .get(settings.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted while publishing the task event; retry", settings.retryAfterSeconds());
        } catch (TimeoutException e) {
            throw ApiException.unavailable("Kafka did not acknowledge the task event within "
                    + settings.publishTimeout().toSeconds() + " s; retry later", settings.retryAfterSeconds());
        } catch (ExecutionException | RuntimeException e) {
            Throwable cause = unwrap(e);
            throw ApiException.unavailable("could not publish the task event (" + cause.getMessage() + "); retry later",
                    settings.retryAfterSeconds());
        }
    }
}
