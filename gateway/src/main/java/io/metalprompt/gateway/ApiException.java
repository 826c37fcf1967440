package io.metalprompt.gateway;

import java.util.Map;

/**
 * A request the gateway refuses, with the HTTP status and a message the caller can act on; the
 * {@link ProblemMappers} turn it into {@code application/problem+json}. {@code retryAfterSeconds} (0 = none)
 * becomes a {@code Retry-After} header; {@code headers} are further response headers (e.g. {@code WWW-Authenticate}).
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final String title;
    private final String slug;
    private final int retryAfterSeconds;
    private final Map<String, String> headers;

    public ApiException(int status, String slug, String title, String detail, int retryAfterSeconds) {
        this(status, slug, title, detail, retryAfterSeconds, Map.of());
    }

    public ApiException(int status, String slug, String title, String detail, int retryAfterSeconds,
                        Map<String, String> headers) {
        super(detail);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.retryAfterSeconds = retryAfterSeconds;
        this.headers = Map.copyOf(headers);
    }

    /** 401 with the {@code WWW-Authenticate} challenge (RFC 6750) the caller should answer. */
    public static ApiException unauthorized(String detail, String wwwAuthenticate) {
        return new ApiException(401, "unauthorized", "Unauthorized", detail, 0,
                Map.of("WWW-Authenticate", wwwAuthenticate));
    }

    /** 429: a tenant's quota is used up ({@code slug} says which); retry after the given seconds. */
    public static ApiException tooManyRequests(String slug, String detail, int retryAfterSeconds) {
        return new ApiException(429, slug, "Too many requests", detail, Math.max(1, retryAfterSeconds));
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(400, "invalid-request", "Invalid request", detail, 0);
    }

    public static ApiException unprocessable(String detail) {
        return new ApiException(422, "invalid-task", "Request cannot be processed", detail, 0);
    }

    public static ApiException tooLarge(String detail) {
        return new ApiException(413, "too-large", "Request exceeds a limit", detail, 0);
    }

    public static ApiException notFound(String detail) {
        return new ApiException(404, "not-found", "Not found", detail, 0);
    }

    public static ApiException conflict(String detail, int retryAfterSeconds) {
        return new ApiException(409, "task-not-ready", "Task not ready", detail, retryAfterSeconds);
    }

    public static ApiException unavailable(String detail, int retryAfterSeconds) {
        return new ApiException(503, "unavailable", "Service temporarily unavailable", detail, retryAfterSeconds);
    }

    public static ApiException timeout(String detail, int retryAfterSeconds) {
        return new ApiException(504, "timeout", "Prediction timed out", detail, retryAfterSeconds);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String slug() {
        return slug;
    }

    public String detail() {
        return getMessage();
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
