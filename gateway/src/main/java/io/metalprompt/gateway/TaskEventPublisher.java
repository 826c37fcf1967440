package io.metalprompt.gateway;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.metalprompt.events.TaskEvent;

/** Publishes a task event keyed by its task id; completes when the broker acknowledged it. */
@FunctionalInterface
public interface TaskEventPublisher {
    CompletionStage<Void> publish(TaskEvent event);

    /**
     * Publishes the event and waits for the broker's acknowledgement at most {@code timeout}: 503 (with
     * {@code retryAfterSeconds}) when it fails, does not come in time, or the wait is interrupted.
     */
    default void publishWithin(TaskEvent event, Duration timeout, int retryAfterSeconds) {
        try {
            publish(event).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted while publishing the task event; retry", retryAfterSeconds);
        } catch (TimeoutException e) {
            throw ApiException.unavailable("Kafka did not acknowledge the task event within "
                    + timeout.toSeconds() + " s; retry later", retryAfterSeconds);
        } catch (ExecutionException | RuntimeException e) {
            Throwable cause = unwrap(e);
            throw ApiException.unavailable("could not publish the task event (" + cause.getMessage() + "); retry later",
                    retryAfterSeconds);
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
