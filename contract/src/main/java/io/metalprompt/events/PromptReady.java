package io.metalprompt.events;

import java.time.Instant;

/**
 * A prompt is stored in Redis under ({@code taskId}, {@code pgmVersion}). {@code promptText} is the readable
 * prompt of the DISCRETE design, null for the others.
 */
public record PromptReady(int schemaVersion, String taskId, String tenant, String pgmVersion, PromptDesign design,
                          int promptLength, String promptText, long generationMillis, Instant readyAt)
        implements PromptEvent {
    public PromptReady {
        Events.requireVersion(schemaVersion);
        Events.requireId(taskId, "taskId");
        Events.requireId(tenant, "tenant");
        Events.requireId(pgmVersion, "pgmVersion");
        Events.require(design != null, "design is required");
        Events.require(promptLength > 0, "promptLength must be positive");
        Events.require(readyAt != null, "readyAt is required");
    }
}
