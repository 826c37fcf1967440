package io.metalprompt.gateway;

import java.util.concurrent.CompletionStage;

import io.metalprompt.events.TaskEvent;

/** Publishes a task event keyed by its task id; completes when the broker acknowledged it. */
@FunctionalInterface
public interface TaskEventPublisher {
    CompletionStage<Void> publish(TaskEvent event);
}
