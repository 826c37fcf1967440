package io.metalprompt.gateway;

import java.util.List;
import java.util.Optional;

import io.metalprompt.events.TaskRegistered;
import io.metalprompt.store.TaskRecord;

/** Where task metadata lives (Redis in production: {@link RedisTaskStore}; a map in unit tests). */
public interface TaskStore {

    String STATUS_PENDING = TaskRecord.PENDING;
    String STATUS_READY = TaskRecord.READY;
    String STATUS_FAILED = TaskRecord.FAILED;

    /** One task's hash, as stored; fields the prompt-generator has not written yet are null. */
    record StoredTask(String taskId, String tenant, String status, String design, List<String> options,
                      int demonstrations, String createdAt, Integer k, String pgmVersion, String promptText,
                      String reason) {
    }

    static String taskKey(String taskId) {
        return io.metalprompt.store.TaskStore.taskKey(taskId);
    }

    static String registrationKey(String taskId) {
        return io.metalprompt.store.TaskStore.registrationKey(taskId);
    }

    /**
     * Writes a new task (status pending) and its registration, unless its tenant already has
     * {@code maxTasksPerTenant} tasks (0 = no limit): then nothing is written and the answer is false.
     */
    boolean create(TaskRegistered task, int maxTasksPerTenant);

    Optional<StoredTask> find(String taskId);

    /** Removes the task's keys (a task that does not exist is no error). */
    void delete(String taskId);
}
