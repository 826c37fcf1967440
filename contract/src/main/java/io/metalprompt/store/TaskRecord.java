package io.metalprompt.store;

import java.time.Instant;
import java.util.List;

import io.metalprompt.events.PromptDesign;

/**
 * What the system knows of a task (Redis hash {@code metal:task:{id}}). {@code status} is {@code pending},
 * {@code ready} or {@code failed}; {@code pgmVersion}, {@code k} and {@code promptText} are set when ready,
 * {@code reason} when failed.
 */
public record TaskRecord(String taskId, String tenant, String status, PromptDesign design, List<String> options,
                         int demonstrations, Instant createdAt, String pgmVersion, Integer k, String promptText,
                         String reason) {

    public static final String PENDING = "pending";
    public static final String READY = "ready";
    public static final String FAILED = "failed";

    public boolean ready() {
        return READY.equals(status);
    }
}
