package io.metalprompt.events;

import java.time.Instant;

/**
 * Background refinement of a ready task's served prompt ({@code POST /v1/tasks/{id}/refine}): the refiner (a consumer
 * group of its own in the prompt-generator) runs {@code steps} gradient steps on the task's examples from the served
 * prompt and publishes the result as prompt version {@code version}, served if it is not worse on the task's
 * validation examples. On the registrations topic, keyed by task id, so it is ordered with the task's other records.
 */
public record TaskRefineRequested(int schemaVersion, String taskId, String tenant, int version, int steps,
                                  Instant requestedAt) implements TaskEvent {
    public TaskRefineRequested {
        Events.requireVersion(schemaVersion);
        Events.requireId(taskId, "taskId");
        Events.requireId(tenant, "tenant");
        Events.require(version >= 2, "version must be 2 or more (1 is the generated prompt)");
        Events.require(steps >= 1, "steps must be at least 1");
        Events.require(requestedAt != null, "requestedAt is required");
    }
}
