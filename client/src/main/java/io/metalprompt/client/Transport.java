package io.metalprompt.client;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Sends one call of the API, again while the {@link RetryPolicy} says so, with the same {@code Idempotency-Key} on
 * every attempt; turns an error answer into a {@link MetalApiException} with its problem details.
 */
final class Transport {

    /** How the client waits and reads the time; tests replace it to see the schedule without waiting. */
    interface Time {
        Time SYSTEM = new Time() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleep(Duration d) throws InterruptedException {
                Thread.sleep(d.toMillis(), (int) (d.toNanosPart() % 1_000_000));
            }
        };

        long nanoTime();

        void sleep(Duration d) throws InterruptedException;
    }

    /** One call: where, what, and whether sending it twice is harmless when no answer came. */
    record Call(String method, String path, byte[] body, String idempotencyKey) {
        boolean repeatable() {
            return !"POST".equals(method) || idempotencyKey != null;
        }
    }

    private static final int MAX_DETAIL_CHARS = 500;

    private final HttpClient http;
    private final URI base;
    private final String authorization;
    private final Duration requestTimeout;
    private final RetryPolicy policy;
    private final Time time;

    Transport(HttpClient http, URI base, String apiKey, Duration requestTimeout, RetryPolicy policy, Time time) {
        this.http = http;
        this.base = base;
        this.authorization = "Bearer " + apiKey;
        this.requestTimeout = requestTimeout;
        this.policy = policy;
        this.time = time;
    }

    /** The body of the call's successful answer (empty for 204). */
    String send(Call call) {
        long start = time.nanoTime();
        HttpRequest request = request(call);
        for (int attempt = 1; ; attempt++) {
            Duration wait;
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                boolean timedOut = e instanceof HttpTimeoutException;
                // a connection that failed or timed out carried nothing: sending again is harmless for any call
                boolean notSent = e instanceof ConnectException || e instanceof HttpConnectTimeoutException;
                wait = call.repeatable() || notSent ? policy.delay(attempt, null) : null;
                if (wait == null || !mayRetry(attempt, start, wait)) {
                    throw new MetalTransportException(call.method(), call.path(), attempt, timedOut, e);
                }
                pause(call, attempt, wait, e);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MetalTransportException(call.method(), call.path(), attempt, false, e);
            }
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                return response.body();
            }
            Duration retryAfter = retryAfter(response.headers());
            MetalApiException failure = new MetalApiException(call.method(), call.path(), attempt,
                    problem(status, response), retryAfter);
            if (!retryable(call, attempt, status)) {
                throw failure;
            }
            wait = policy.delay(attempt, retryAfter);
            if (!mayRetry(attempt, start, wait)) {
                throw failure;
            }
            pause(call, attempt, wait, failure);
        }
    }

    /**
     * The policy's statuses; and a 409 to an attempt after the first of a call with an {@code Idempotency-Key}: the
     * gateway still runs an earlier attempt of this very call (one that timed out here), and will replay its answer.
     */
    private boolean retryable(Call call, int attempt, int status) {
        return policy.statuses().contains(status) || (status == 409 && attempt > 1 && call.idempotencyKey() != null);
    }

    private boolean mayRetry(int attempt, long start, Duration wait) {
        return attempt < policy.maxAttempts()
                && time.nanoTime() - start + wait.toNanos() <= policy.maxTotal().toNanos();
    }

    private void pause(Call call, int attempt, Duration wait, Exception why) {
        try {
            time.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            MetalTransportException interrupted = new MetalTransportException(call.method(), call.path(), attempt, false, e);
            interrupted.addSuppressed(why);
            throw interrupted;
        }
    }

    private HttpRequest request(Call call) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(call.path().substring(1)))
                .timeout(requestTimeout)
                .header("Authorization", authorization)
                .header("Accept", "application/json, application/problem+json")
                .header("User-Agent", "metal-prompt-client/1");
        if (call.idempotencyKey() != null) {
            b.header("Idempotency-Key", call.idempotencyKey());
        }
        if (call.body() != null) {
            b.header("Content-Type", "application/json").method(call.method(), HttpRequest.BodyPublishers.ofByteArray(call.body()));
        } else {
            b.method(call.method(), HttpRequest.BodyPublishers.noBody());
        }
        return b.build();
    }

    /** The answer's problem details; for an answer that has none, what can be said from its status and body. */
    static Problem problem(int status, HttpResponse<String> response) {
        String body = response.body() == null ? "" : response.body();
        String contentType = response.headers().firstValue("Content-Type").orElse("");
        if (contentType.contains("json")) {
            try {
                JsonNode node = ClientJson.MAPPER.readTree(body);
                if (node != null && node.isObject()) {
                    return new Problem(text(node, "type", "about:blank"), text(node, "title", null),
                            node.path("status").canConvertToInt() && node.path("status").asInt() > 0 ? node.path("status").asInt() : status,
                            text(node, "detail", null), text(node, "instance", null));
                }
            } catch (IOException e) {
                // not JSON after all: described from the status and body below
            }
        }
        String detail = body.isBlank() ? null
                : body.length() > MAX_DETAIL_CHARS ? body.substring(0, MAX_DETAIL_CHARS) + "..." : body.strip();
        return new Problem("about:blank", "HTTP " + status, status, detail, null);
    }

    private static String text(JsonNode node, String field, String absent) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? absent : value.asText();
    }

    /** {@code Retry-After} as delay-seconds or an HTTP-date (RFC 9110 10.2.3); null when absent or unreadable. */
    static Duration retryAfter(HttpHeaders headers) {
        String value = headers.firstValue("Retry-After").map(String::strip).orElse(null);
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.chars().allMatch(Character::isDigit)) {
            try {
                return Duration.ofSeconds(Long.parseLong(value));
            } catch (NumberFormatException tooLong) {
                return null;
            }
        }
        try {
            Duration until = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME));
            return until.isNegative() ? Duration.ZERO : until;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
