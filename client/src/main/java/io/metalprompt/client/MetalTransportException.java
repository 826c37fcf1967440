package io.metalprompt.client;

/**
 * No answer came for a call: the connection failed or the request timed out ({@link #timedOut()}), on the last
 * attempt when it was retried. The cause is the {@link java.io.IOException} of the HTTP client.
 */
public class MetalTransportException extends MetalException {

    private final boolean timedOut;

    public MetalTransportException(String method, String path, int attempts, boolean timedOut, Throwable cause) {
        super(method, path, attempts, method + " " + path + ": " + (timedOut ? "no answer in time" : "no answer")
                + " (" + cause + ")" + (attempts > 1 ? "; gave up after " + attempts + " attempts" : ""), cause);
        this.timedOut = timedOut;
    }

    /** Whether the request timed out (rather than the connection failing). */
    public boolean timedOut() {
        return timedOut;
    }
}
