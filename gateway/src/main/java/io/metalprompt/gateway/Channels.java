package io.metalprompt.gateway;

/**
 * The gateway's messaging channel names (their topics are set in application.properties to the constants of
 * {@link io.metalprompt.events.Topics}).
 */
public final class Channels {
    /** Outgoing: {@code TaskRegistered} / {@code TaskDeleted} to {@code metal.task-registrations}, key = task id. */
    public static final String TASK_REGISTRATIONS = "task-registrations";
    /** Outgoing: replies this instance waited for that are not valid results, to {@code metal.inference-results.dlq}. */
    public static final String INFERENCE_RESULTS_DLQ = "inference-results-dlq";

    private Channels() {
    }
}
