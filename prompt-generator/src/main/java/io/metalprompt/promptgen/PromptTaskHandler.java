package io.metalprompt.promptgen;

import java.time.Clock;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.metalprompt.events.Events;
import io.metalprompt.events.PromptEvent;
import io.metalprompt.events.PromptFailed;
import io.metalprompt.events.PromptReady;
import io.metalprompt.events.TaskDeleted;
import io.metalprompt.events.TaskEvent;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;

/**
 * What the prompt-generator does with one record of {@code metal.task-registrations}, without a broker:
 * a registration becomes a stored prompt (or a failure with a reason), a deletion removes the task.
 * Idempotent: a redelivered registration whose prompt is already stored for the current PGM version is
 * answered with the same {@link PromptReady} and not generated again.
 */
public class PromptTaskHandler {

    private static final Logger LOG = Logger.getLogger(PromptTaskHandler.class);

    private final TaskStore store;
    private final PromptFactory factory;
    private final Clock clock;

    public PromptTaskHandler(TaskStore store, PromptFactory factory, Clock clock) {
        this.store = store;
        this.factory = factory;
        this.clock = clock;
    }

    /** The prompt event to publish, or empty (a deletion publishes nothing). */
    public Optional<PromptEvent> handle(TaskEvent event) {
        if (event instanceof TaskDeleted deleted) {
            store.delete(deleted.taskId());
            LOG.infof("task %s deleted", deleted.taskId());
            return Optional.empty();
        }
        TaskRegistered task = (TaskRegistered) event;
        String version = factory.pgmVersion(task.design());
        Optional<TaskRecord> known = store.find(task.taskId());
        if (known.isPresent() && known.get().ready() && version.equals(known.get().pgmVersion())
                && store.artifact(task.taskId(), version).isPresent()) {
            TaskRecord r = known.get();
            return Optional.of(new PromptReady(Events.SCHEMA_VERSION, task.taskId(), task.tenant(), version,
                    r.design(), r.k(), r.promptText(), 0, clock.instant()));
        }
        if (known.isEmpty()) {
            store.register(task);   // published straight to Kafka, not through the gateway
        } else {
            store.saveRegistration(task);   // the worker reads the XL demonstrations from it
        }
        long t0 = System.nanoTime();
        PromptFactory.Result result;
        try {
            result = factory.generate(task);
        } catch (IllegalArgumentException e) {
            store.markFailed(task.taskId(), e.getMessage());
            LOG.infof("task %s failed: %s", task.taskId(), e.getMessage());
            return Optional.of(new PromptFailed(Events.SCHEMA_VERSION, task.taskId(), task.tenant(), e.getMessage(),
                    clock.instant()));
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        store.storeReady(task.taskId(), version, result.k(), result.text(), result.artifact());
        LOG.infof("task %s ready: %s prompt of %d positions in %d ms (PGM %s)", task.taskId(), task.design(),
                result.k(), millis, version);
        return Optional.of(new PromptReady(Events.SCHEMA_VERSION, task.taskId(), task.tenant(), version, task.design(),
                result.k(), result.text(), millis, clock.instant()));
    }
}
