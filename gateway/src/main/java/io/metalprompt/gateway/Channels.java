package io.metalprompt.gateway;

/**
 * The gateway's messaging channel names (their topics are set in application.properties to the constants of
 * {@link io.metalprompt.events.Topics}) and the identifier of its correlation-id handler.
 */
public final class Channels {
    /** Outgoing: {@code TaskRegistered} / {@code TaskDeleted} to {@code metal.task-registrations}, key = task id. */
    public static final String TASK_REGISTRATIONS = "task-registrations";
    /** Request-reply: {@code InferenceRequest} to {@code metal.inference-requests}, replies from {@code metal.inference-results}. */
    public static final String INFERENCE_REQUESTS = "inference-requests";
    /** Outgoing: replies this instance waited for that are not valid results, to {@code metal.inference-results.dlq}. */
    public static final String INFERENCE_RESULTS_DLQ = "inference-results-dlq";
    /** The {@code reply.correlation-id.handler} of {@link #INFERENCE_REQUESTS}: the correlation id is the body's requestId. */
    public static final String REQUEST_ID_CORRELATION = "request-id";

    private Channels() {
    }
}
