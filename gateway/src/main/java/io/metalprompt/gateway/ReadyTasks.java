package io.metalprompt.gateway;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

import io.metalprompt.store.TaskRecord;

/**
 * The ready tasks a prediction checks, remembered for a short while (Caffeine: at most {@code ttl} after the read,
 * at most {@code maxTasks} of them), so that a prediction of a task read moments ago costs no Redis round trip and no
 * record parsing on its request thread (issue 18). Only ready tasks are kept: a task being generated is read every
 * time, so it is served as soon as it is ready. Safe to serve from because the worker reads the task itself for every
 * batch: a task deleted through another gateway, or failed, within {@code ttl} is answered by the worker's
 * {@code NOT_FOUND} (404) or {@code NOT_READY} (409) instead of this gateway's own, with the same status. A task
 * deleted through this gateway is forgotten at once. A {@code ttl} of zero keeps nothing.
 */
public final class ReadyTasks {

    private final Cache<String, TaskRecord> ready;
    private final boolean enabled;

    public ReadyTasks(Duration ttl, int maxTasks) {
        this(ttl, maxTasks, Ticker.systemTicker());
    }

    ReadyTasks(Duration ttl, int maxTasks, Ticker ticker) {
        this.enabled = !ttl.isZero() && maxTasks > 0;
        this.ready = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(Math.max(0, maxTasks)).ticker(ticker)
                .build();
    }

    /** The caller's task ({@link Tasks#owned}: 404 for another tenant's or an unknown id), a ready one remembered. */
    public TaskRecord owned(Tasks store, String tenant, String taskId) {
        TaskRecord known = enabled ? ready.getIfPresent(taskId) : null;
        if (known != null && tenant.equals(known.tenant())) {
            return known;
        }
        TaskRecord task = store.owned(tenant, taskId);
        if (enabled && task.ready()) {
            ready.put(taskId, task);
        }
        return task;
    }

    /** The task was deleted (or should be read again on its next prediction). */
    public void forget(String taskId) {
        ready.invalidate(taskId);
    }
}
