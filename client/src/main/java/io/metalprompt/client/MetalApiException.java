package io.metalprompt.client;

import java.time.Duration;
import java.util.Optional;

/**
 * The gateway answered a call with an error status: the problem details it sent ({@link #problem()}: type, title,
 * status, detail, instance), and {@code Retry-After} when it said when to try again (429, 503, 504, a 409 for a task
 * still pending). When the client retried and gave up, this is the last answer.
 */
public class MetalApiException extends MetalException {

    private final Problem problem;
    private final Duration retryAfter;

    public MetalApiException(String method, String path, int attempts, Problem problem, Duration retryAfter) {
        super(method, path, attempts, message(method, path, attempts, problem, retryAfter), null);
        this.problem = problem;
        this.retryAfter = retryAfter;
    }

    private static String message(String method, String path, int attempts, Problem p, Duration retryAfter) {
        StringBuilder m = new StringBuilder(method).append(' ').append(path).append(": ").append(p.status());
        if (p.title() != null) {
            m.append(' ').append(p.title());
        }
        if (p.detail() != null) {
            m.append(": ").append(p.detail());
        }
        if (p.type() != null && !"about:blank".equals(p.type())) {
            m.append(" (").append(p.type()).append(')');
        }
        if (retryAfter != null) {
            m.append("; Retry-After ").append(retryAfter.toSeconds()).append(" s");
        }
        if (attempts > 1) {
            m.append("; gave up after ").append(attempts).append(" attempts");
        }
        return m.toString();
    }

    public Problem problem() {
        return problem;
    }

    /** The HTTP status, as in the problem. */
    public int status() {
        return problem.status();
    }

    /** The problem's type URI, e.g. {@code urn:metal-prompt:problem:rate-limited}; {@code about:blank} when none was sent. */
    public String type() {
        return problem.type();
    }

    public String title() {
        return problem.title();
    }

    public String detail() {
        return problem.detail();
    }

    /** What the gateway's {@code Retry-After} header said, when it sent one. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
