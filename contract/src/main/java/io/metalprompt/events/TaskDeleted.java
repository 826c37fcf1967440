package io.metalprompt.events;

import java.time.Instant;

/** A task removed by its tenant: its prompts are dropped and later requests are refused. */
public record TaskDeleted(int schemaVersion, String taskId, String tenant, Instant deletedAt) implements TaskEvent {
    public TaskDeleted {
        Events.requireVersion(schemaVersion);
        Events.requireId(taskId, "taskId");
        Events.requireId(tenant, "tenant");
        Events.require(deletedAt != null, "deletedAt is required");
    }
}
