package io.metalprompt.gateway;

import java.time.Clock;
import java.util.List;

import io.metalprompt.events.Events;
import io.metalprompt.events.Example;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskEvent;
import io.metalprompt.events.TaskExamplesAdded;
import io.metalprompt.events.TaskRefineRequested;
import io.metalprompt.store.TaskRecord;

/**
 * Asking for a ready task's next prompt version, in plain Java over the task store and the event publisher: from
 * more examples ({@code POST /v1/tasks/{id}/examples}) or by background refinement ({@code POST /v1/tasks/{id}/refine}).
 * Each allots the version's number in the store and publishes the event the prompt-generator makes it from.
 */
public class VersionRequests {

    private final Tasks store;
    private final TaskEventPublisher publisher;
    private final TenantQuotas quotas;
    private final TaskSettings settings;
    private final TaskValidator validator;
    private final Clock clock;

    public VersionRequests(Tasks store, TaskEventPublisher publisher, TenantQuotas quotas, TaskSettings settings,
                           Clock clock) {
        this.store = store;
        this.publisher = publisher;
        this.quotas = quotas;
        this.settings = settings;
        this.validator = new TaskValidator(settings.limits());
        this.clock = clock;
    }

    /**
     * Background refinement of a ready task's served prompt ({@code POST /v1/tasks/{id}/refine}): {@code steps} 1 to
     * 200 (400), not a DISCRETE task (its prompt is tokens: 422), at most one queued or running per task (409) and
     * {@code max-refinements} per tenant (429); allots the version it makes and publishes {@link TaskRefineRequested}
     * for the refiner.
     */
    public Api.VersionAccepted refine(String tenant, String taskId, Api.RefineBody request) {
        try (TenantQuotas.Permit permit = quotas.enter(tenant)) {
            TaskRecord task = store.owned(tenant, taskId);
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
                throw refinementQuota(tenant, settings);
            }
            publish(new TaskRefineRequested(Events.SCHEMA_VERSION, taskId, tenant, version, request.steps(),
                    clock.instant()));
            return new Api.VersionAccepted(taskId, version, TaskService.statusUrl(taskId));
        }
    }

    /** 429: the tenant has its most refinements queued or running (also at registration, {@link TaskService}). */
    static ApiException refinementQuota(String tenant, TaskSettings settings) {
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
            TaskRecord task = store.owned(tenant, taskId);
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
                        + "prompt is ready (poll " + TaskService.statusUrl(taskId) + ")", settings.retryAfterSeconds());
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
            return new Api.VersionAccepted(taskId, version, TaskService.statusUrl(taskId));
        }
    }

    private void publish(TaskEvent event) {
        publisher.publishWithin(event, settings.publishTimeout(), settings.retryAfterSeconds());
    }
}
