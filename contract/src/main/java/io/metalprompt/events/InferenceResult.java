package io.metalprompt.events;

import java.util.List;

import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.annotation.OptBoolean;

/**
 * The reply on {@link Topics#INFERENCE_RESULTS}, keyed by task id, correlated by {@code requestId}.
 * {@code pgmVersion} names the prompt version that served it. On {@code status} other than OK,
 * {@code error} says why and {@code predictions} is empty. {@code tokensRead}: the positions the LM read for the
 * answers (prompt, demonstrations, input and options per input; what usage metering counts), 0 when none or unknown;
 * optional on the wire (a result without it reads as 0). {@code promptVersion}: the number of the task's prompt version
 * that answered (0 = not said; optional on the wire likewise).
 */
public record InferenceResult(int schemaVersion, String requestId, String taskId, Status status,
                              List<Prediction> predictions, String error, String pgmVersion, long servedAtEpochMillis,
                              @JacksonInject(value = EventCodec.ABSENT_COUNT, useInput = OptBoolean.TRUE)
                              long tokensRead,
                              @JacksonInject(value = EventCodec.ABSENT_NUMBER, useInput = OptBoolean.TRUE)
                              long promptVersion) {

    /** A result without a count of the positions read (refusals, and results of workers from before the count). */
    public InferenceResult(int schemaVersion, String requestId, String taskId, Status status,
                           List<Prediction> predictions, String error, String pgmVersion, long servedAtEpochMillis) {
        this(schemaVersion, requestId, taskId, status, predictions, error, pgmVersion, servedAtEpochMillis, 0, 0);
    }

    /** A result with the positions read, of an unnamed prompt version. */
    public InferenceResult(int schemaVersion, String requestId, String taskId, Status status,
                           List<Prediction> predictions, String error, String pgmVersion, long servedAtEpochMillis,
                           long tokensRead) {
        this(schemaVersion, requestId, taskId, status, predictions, error, pgmVersion, servedAtEpochMillis, tokensRead, 0);
    }

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
