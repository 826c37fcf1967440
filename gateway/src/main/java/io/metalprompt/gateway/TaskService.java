package io.metalprompt.gateway;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Events;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.TaskDeleted;
import io.metalprompt.events.TaskEvent;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.prompt.PromptDesign;

/**
 * The gateway's use cases — register, read, delete, predict — in plain Java over the task store, the
 * event publisher and the inference client, so unit tests drive them without Kafka or HTTP.
 */
public class TaskService {

    /** The settings the service needs (from {@link GatewayConfig.Gateway}). */
    public record Settings(Limits limits, Duration publishTimeout, Duration predictionTimeout, int retryAfterSeconds) {
    }

    private final TaskStore store;
    private final TaskEventPublisher publisher;
    private final InferenceClient inference;
    private final Settings settings;
    private final TaskValidator validator;
    private final PredictionMapper mapper;
    private final Clock clock;
    private final Supplier<String> ids;

    public TaskService(TaskStore store, TaskEventPublisher publisher, InferenceClient inference, Settings settings,
                       Clock clock, Supplier<String> ids) {
        this.store = store;
        this.publisher = publisher;
        this.inference = inference;
        this.settings = settings;
        this.validator = new TaskValidator(settings.limits());
        this.mapper = new PredictionMapper(settings.retryAfterSeconds());
        this.clock = clock;
        this.ids = ids;
    }

    public static String statusUrl(String taskId) {
        return "/v1/tasks/" + taskId;
    }

    /** Validates, stores the task as pending, publishes {@link TaskRegistered}; undoes the store write if publishing fails. */
    public Api.TaskAccepted register(String tenant, Api.TaskRequest request) {
        TaskValidator.ValidTask task = validator.validate(request);
        String id = ids.get();
        Instant now = clock.instant();
        TaskRegistered event = new TaskRegistered(Events.SCHEMA_VERSION, id, tenant, task.examples(), task.options(),
                task.design(), task.demonstrations(), now);
        store.create(new TaskStore.StoredTask(id, tenant, TaskStore.STATUS_PENDING, task.design().name(), task.options(),
                task.demonstrations(), now.toString(), null, null, null, null), EventCodec.encodeToString(event));
        try {
            publish(event);
        } catch (ApiException e) {
            store.delete(id);
            throw e;
        }
        return new Api.TaskAccepted(id, TaskStore.STATUS_PENDING, statusUrl(id));
    }

    public Api.TaskView get(String tenant, String taskId) {
        TaskStore.StoredTask t = find(tenant, taskId);
        String promptText = PromptDesign.DISCRETE.name().equals(t.design()) ? t.promptText() : null;
        String reason = TaskStore.STATUS_FAILED.equals(t.status()) ? t.reason() : null;
        return new Api.TaskView(taskId, t.status(), t.design(), t.k(), t.pgmVersion(), promptText, reason, t.options(),
                t.createdAt());
    }

    /** Publishes {@link TaskDeleted} first (a retry after a failure is harmless), then removes the Redis keys. */
    public void delete(String tenant, String taskId) {
        find(tenant, taskId);
        publish(new TaskDeleted(Events.SCHEMA_VERSION, taskId, tenant, clock.instant()));
        store.delete(taskId);
    }

    /** Checks the task is the caller's and ready, then sends the inputs to a worker and maps its result. */
    public CompletionStage<Api.PredictionResponse> predict(String tenant, String taskId, Api.PredictionRequest request) {
        TaskStore.StoredTask task = find(tenant, taskId);
        if (!TaskStore.STATUS_READY.equals(task.status())) {
            if (TaskStore.STATUS_FAILED.equals(task.status())) {
                throw ApiException.conflict("task " + taskId + " is failed" + (task.reason() == null ? "" : " (" + task.reason() + ")")
                        + ": it cannot serve predictions; register the task again", 0);
            }
            throw ApiException.conflict("task " + taskId + " is " + task.status()
                    + ": its prompt is still being generated; poll " + statusUrl(taskId) + " until it is ready",
                    settings.retryAfterSeconds());
        }
        List<String> inputs = validator.validateInputs(request);
        Duration timeout = settings.predictionTimeout();
        InferenceRequest inferenceRequest = new InferenceRequest(Events.SCHEMA_VERSION, ids.get(), taskId, tenant, inputs,
                clock.millis() + timeout.toMillis());
        CompletableFuture<InferenceResult> sent;
        try {
            sent = inference.request(inferenceRequest).toCompletableFuture();
        } catch (RuntimeException e) {
            throw ApiException.unavailable("could not send the request to the inference workers (" + e.getMessage()
                    + "); retry later", settings.retryAfterSeconds());
        }
        return sent.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((result, failure) -> {
                    if (failure != null) {
                        throw new CompletionException(translate(unwrap(failure), timeout));
                    }
                    return mapper.toResponse(taskId, inputs, result);
                });
    }

    private ApiException translate(Throwable failure, Duration timeout) {
        if (failure instanceof ApiException api) {
            return api;
        }
        if (failure instanceof TimeoutException || failure.getClass().getSimpleName().contains("Timeout")) {
            return ApiException.timeout("no inference worker answered within " + timeout.toSeconds()
                    + " s; retry later", settings.retryAfterSeconds());
        }
        return ApiException.unavailable("the inference request failed (" + failure.getMessage() + "); retry later",
                settings.retryAfterSeconds());
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private TaskStore.StoredTask find(String tenant, String taskId) {
        return store.find(taskId)
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
