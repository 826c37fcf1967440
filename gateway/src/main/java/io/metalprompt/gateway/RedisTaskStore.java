package io.metalprompt.gateway;

import java.util.Optional;

import io.metalprompt.events.TaskRegistered;
import io.metalprompt.store.TaskRecord;

/**
 * {@link TaskStore} in Redis: the gateway's view of the shared {@link io.metalprompt.store.TaskStore}, which owns the
 * keys (docs/architecture.md, "Redis keys") including each tenant's set of tasks that the task quota counts.
 */
public class RedisTaskStore implements TaskStore {

    private final io.metalprompt.store.TaskStore store;

    public RedisTaskStore(io.metalprompt.store.TaskStore store) {
        this.store = store;
    }

    @Override
    public boolean create(TaskRegistered task, int maxTasksPerTenant) {
        if (maxTasksPerTenant <= 0) {
            store.register(task);
            return true;
        }
        return store.register(task, maxTasksPerTenant);
    }

    @Override
    public Optional<StoredTask> find(String taskId) {
        return store.find(taskId).map(RedisTaskStore::view);
    }

    @Override
    public void delete(String taskId) {
        store.delete(taskId);
    }

    private static StoredTask view(TaskRecord t) {
        return new StoredTask(t.taskId(), t.tenant(), t.status(), t.design() == null ? null : t.design().name(),
                t.options(), t.demonstrations(), t.createdAt() == null ? null : t.createdAt().toString(), t.k(),
                t.pgmVersion(), t.promptText(), t.reason());
    }
}
