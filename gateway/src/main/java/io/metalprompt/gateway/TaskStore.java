package io.metalprompt.gateway;

import java.util.List;
import java.util.Optional;

/** Where task metadata lives (Redis in production: {@link RedisTaskStore}; a map in unit tests). */
public interface TaskStore {

    String STATUS_PENDING = "pending";
    String STATUS_READY = "ready";
    String STATUS_FAILED = "failed";

    /** One task's hash, as stored; fields the prompt-generator has not written yet are null. */
    record StoredTask(String taskId, String tenant, String status, String design, List<String> options,
                      int demonstrations, String createdAt, Integer k, String pgmVersion, String promptText,
                      String reason) {
    }

    static String taskKey(String taskId) {
        return "metal:task:" + taskId;
    }

    static String registrationKey(String taskId) {
        return "metal:task:" + taskId + ":registration";
    }

    /** Writes a new task's hash (status pending) and its registration JSON. */
    void create(StoredTask task, String registrationJson);

    Optional<StoredTask> find(String taskId);

    /** Removes the task's keys; true when it existed. */
    boolean delete(String taskId);
}
