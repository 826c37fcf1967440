package io.metalprompt.events;

import java.time.Instant;

/** Prompt generation failed for a reason the user can act on (for example an example too long for the model). */
public record PromptFailed(int schemaVersion, String taskId, String tenant, String reason, Instant failedAt)
        implements PromptEvent {
    public PromptFailed {
        Events.requireVersion(schemaVersion);
        Events.requireId(taskId, "taskId");
        Events.requireId(tenant, "tenant");
        Events.requireId(reason, "reason");
        Events.require(failedAt != null, "failedAt is required");
    }
}
