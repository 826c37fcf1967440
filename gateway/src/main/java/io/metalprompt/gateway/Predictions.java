package io.metalprompt.gateway;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.metalprompt.events.Events;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.store.TaskRecord;

/**
 * Predicting with a ready task ({@code POST /v1/tasks/{id}/predictions}) in plain Java over the task store, the
 * inference client and usage metering: the one place a prediction's timeout is applied and an answer counted.
 */
public class Predictions {

    private final Tasks store;
    private final ReadyTasks ready;
    private final InferenceClient inference;
    private final TenantQuotas quotas;
    private final TaskSettings settings;
    private final TaskValidator validator;
    private final PredictionMapper mapper;
    private final Clock clock;
    private final Supplier<String> ids;
    private final Metering metering;

    /**
     * {@code ready}: the ready tasks remembered between predictions (shared with {@link TaskService}, which forgets a
     * deleted one); {@code ids} gives each request its id; {@code metering} counts answered predictions (null: nothing is
     * counted).
     */
    public Predictions(Tasks store, ReadyTasks ready, InferenceClient inference, TenantQuotas quotas,
                       TaskSettings settings, Clock clock, Supplier<String> ids, Metering metering) {
        this.store = store;
        this.ready = ready;
        this.inference = inference;
        this.quotas = quotas;
        this.settings = settings;
        this.validator = new TaskValidator(settings.limits());
        this.mapper = new PredictionMapper(settings.retryAfterSeconds());
        this.clock = clock;
        this.ids = ids;
        this.metering = metering;
    }

    /**
     * Checks the task is the caller's and ready, then sends the inputs to a worker, waits for its result at most
     * {@code metal.gateway.prediction-timeout} (504 after it) and maps the result. The call counts as one of the
     * tenant's requests in progress until it returns.
     */
    public Api.PredictionResponse predict(String tenant, String taskId, Api.PredictionRequest request) {
        try (TenantQuotas.Permit permit = quotas.enter(tenant)) {
            TaskRecord task = ready.owned(store, tenant, taskId);
            if (!TaskRecord.READY.equals(task.status())) {
                if (TaskRecord.FAILED.equals(task.status())) {
                    throw ApiException.conflict("task " + taskId + " is failed" + (task.reason() == null ? "" : " (" + task.reason() + ")")
                            + ": it cannot serve predictions; register the task again", 0);
                }
                throw ApiException.conflict("task " + taskId + " is " + task.status()
                        + ": its prompt is still being generated; poll " + TaskService.statusUrl(taskId)
                        + " until it is ready", settings.retryAfterSeconds());
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
}
