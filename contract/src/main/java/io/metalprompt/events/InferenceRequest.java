package io.metalprompt.events;

import java.util.List;

/**
 * A request on {@link Topics#INFERENCE_REQUESTS}, keyed by task id. {@code requestId} is the correlation id
 * the result carries back; {@code deadlineEpochMillis} lets a worker drop work nobody waits for any more
 * (0 = no deadline).
 */
public record InferenceRequest(int schemaVersion, String requestId, String taskId, String tenant, List<String> inputs,
                               long deadlineEpochMillis) {
    public InferenceRequest {
        Events.requireVersion(schemaVersion);
        Events.requireId(requestId, "requestId");
        Events.requireId(taskId, "taskId");
        Events.requireId(tenant, "tenant");
        Events.require(inputs != null && !inputs.isEmpty(), "inputs must not be empty");
        inputs = List.copyOf(inputs);
        Events.require(inputs.stream().allMatch(i -> i != null && !i.isBlank()), "every input must be a non-empty string");
    }
}
