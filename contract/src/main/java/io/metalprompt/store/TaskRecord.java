package io.metalprompt.store;

import java.time.Instant;
import java.util.List;

import io.metalprompt.events.PromptDesign;

/**
 * What the system knows of a task (Redis hash {@code metal:task:{id}}). {@code status} is {@code pending},
 * {@code ready} or {@code failed}; {@code pgmVersion}, {@code k} and {@code promptText} are set when ready,
 * {@code reason} when failed; {@code version} is the prompt version served (null: the first).
 */
public record TaskRecord(String taskId, String tenant, String status, PromptDesign design, List<String> options,
                         int demonstrations, Instant createdAt, String pgmVersion, Integer k, String promptText,
                         String reason, Integer version) {

    /** A task whose served prompt is its first version (or that is not ready). */
    public TaskRecord(String taskId, String tenant, String status, PromptDesign design, List<String> options,
                      int demonstrations, Instant createdAt, String pgmVersion, Integer k, String promptText,
                      String reason) {
        this(taskId, tenant, status, design, options, demonstrations, createdAt, pgmVersion, k, promptText, reason, null);
    }

    /** The number of the prompt version requests are answered with: 1 unless a later one was served. */
    public int servedVersion() {
        return version == null ? 1 : version;
    }

    public static final String PENDING = "pending";
    public static final String READY = "ready";
    public static final String FAILED = "failed";

    public boolean ready() {
        return READY.equals(status);
    }
}
