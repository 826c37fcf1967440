package io.metalprompt.events;

import java.util.List;

/**
 * The reply on {@link Topics#INFERENCE_RESULTS}, keyed by task id, correlated by {@code requestId}.
 * {@code pgmVersion} names the prompt version that served it. On {@code status} other than OK,
 * {@code error} says why and {@code predictions} is empty.
 */
public record InferenceResult(int schemaVersion, String requestId, String taskId, Status status,
                              List<Prediction> predictions, String error, String pgmVersion, long servedAtEpochMillis) {

    public enum Status { OK, NOT_FOUND, NOT_READY, INVALID, FAILED }

    public InferenceResult {
        Events.requireVersion(schemaVersion);
        Events.requireId(requestId, "requestId");
        Events.requireId(taskId, "taskId");
        Events.require(status != null, "status is required");
        predictions = predictions == null ? List.of() : List.copyOf(predictions);
        Events.require(status == Status.OK || (error != null && !error.isBlank()), "a failed result needs an error");
    }
}
