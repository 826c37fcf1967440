package io.metalprompt.gateway;

import java.time.Clock;
import java.util.EnumSet;
import java.util.function.Supplier;

import io.metalprompt.events.Events;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskDeleted;
import io.metalprompt.events.TaskEvent;
import io.metalprompt.events.TaskRefineRequested;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.store.TaskRecord;

/**
 * A task's life cycle as the gateway's use cases, register and delete, in plain Java over the task store and the
 * event publisher, so unit tests drive them without Kafka or HTTP. Reading tasks is {@link TaskViews}, predicting
 * {@link Predictions}, new prompt versions {@link VersionRequests}, usage {@link UsageReports}.
 */
public class TaskService {

    private final Tasks store;
    private final ReadyTasks ready;
    private final TaskEventPublisher publisher;
    private final TenantQuotas quotas;
    private final TaskSettings settings;
    private final TaskValidator validator;
    private final Clock clock;
    private final Supplier<String> ids;

    /** {@code ready}: the ready tasks {@link Predictions} remembers; a deleted task is forgotten there. */
    public TaskService(Tasks store, ReadyTasks ready, TaskEventPublisher publisher, TenantQuotas quotas,
                       TaskSettings settings, Clock clock, Supplier<String> ids) {
        this.store = store;
        this.ready = ready;
        this.publisher = publisher;
        this.quotas = quotas;
        this.settings = settings;
        this.validator = new TaskValidator(settings.limits());
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
                        throw VersionRequests.refinementQuota(tenant, settings);
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

    /** Publishes {@link TaskDeleted} first (a retry after a failure is harmless), then removes the Redis keys. */
    public void delete(String tenant, String taskId) {
        try (TenantQuotas.Permit permit = quotas.enter(tenant)) {
            store.owned(tenant, taskId);
            publish(new TaskDeleted(Events.SCHEMA_VERSION, taskId, tenant, clock.instant()));
            store.delete(taskId);
            ready.forget(taskId);
        }
    }

    private void publish(TaskEvent event) {
        publisher.publishWithin(event, settings.publishTimeout(), settings.retryAfterSeconds());
    }
}
