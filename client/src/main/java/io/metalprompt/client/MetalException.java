package io.metalprompt.client;

/**
 * A call of the {@link MetalClient} that did not succeed: either the gateway answered with an error
 * ({@link MetalApiException}, carrying the problem details) or no answer came ({@link MetalTransportException}).
 * Unchecked, like the failures of most HTTP clients' typed calls.
 */
public abstract class MetalException extends RuntimeException {

    private final String method;
    private final String path;
    private final int attempts;

    MetalException(String method, String path, int attempts, String message, Throwable cause) {
        super(message, cause);
        this.method = method;
        this.path = path;
        this.attempts = attempts;
    }

    /** The HTTP method of the call, e.g. {@code POST}. */
    public String method() {
        return method;
    }

    /** The path (and query) the call was sent to, e.g. {@code /v1/tasks/abc/predictions}. */
    public String path() {
        return path;
    }

    /** How many times the call was sent (retries included). */
    public int attempts() {
        return attempts;
    }
}
