package io.metalprompt.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When the client sends a call again. A call answered with one of {@link #statuses()} (by default 429, 503 and 504,
 * the answers that say "later") is sent again after the answer's {@code Retry-After}, or without one after an
 * exponential backoff from {@link #initialBackoff()} up to {@link #maxBackoff()} (with jitter: between half and all of
 * it). A call that got no answer (connection failed, request timed out) is sent again the same way when repeating it
 * is safe: a GET or DELETE, or a POST carrying an {@code Idempotency-Key}. Bounded twice: at most
 * {@link #maxAttempts()} sends, and no wait that would end later than {@link #maxTotal()} after the first send; the
 * call then fails with the last answer (its {@code Retry-After} included).
 */
public record RetryPolicy(int maxAttempts, Duration maxTotal, Duration initialBackoff, Duration maxBackoff,
                          Set<Integer> statuses) {

    /** 4 attempts within 60 s; backoff 0.5 s doubling up to 8 s; on 429, 503 and 504. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(4, Duration.ofSeconds(60), Duration.ofMillis(500),
            Duration.ofSeconds(8), Set.of(429, 503, 504));

    /** One attempt: every failure reaches the caller at once. */
    public static final RetryPolicy NONE = DEFAULT.withMaxAttempts(1);

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, not " + maxAttempts);
        }
        Objects.requireNonNull(maxTotal, "maxTotal");
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxTotal.isNegative() || initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("durations must not be negative, and maxBackoff >= initialBackoff");
        }
        statuses = Set.copyOf(statuses);
    }

    public RetryPolicy withMaxAttempts(int maxAttempts) {
        return new RetryPolicy(maxAttempts, maxTotal, initialBackoff, maxBackoff, statuses);
    }

    public RetryPolicy withMaxTotal(Duration maxTotal) {
        return new RetryPolicy(maxAttempts, maxTotal, initialBackoff, maxBackoff, statuses);
    }

    public RetryPolicy withBackoff(Duration initial, Duration max) {
        return new RetryPolicy(maxAttempts, maxTotal, initial, max, statuses);
    }

    public RetryPolicy withStatuses(Set<Integer> statuses) {
        return new RetryPolicy(maxAttempts, maxTotal, initialBackoff, maxBackoff, statuses);
    }

    /**
     * The wait before attempt {@code attempt + 1}, after {@code attempt} sends: what the gateway said when it did,
     * otherwise the backoff with jitter.
     */
    Duration delay(int attempt, Duration retryAfter) {
        if (retryAfter != null) {
            return retryAfter;
        }
        long full = initialBackoff.toNanos() << Math.min(attempt - 1, 30);
        full = full <= 0 || full > maxBackoff.toNanos() ? maxBackoff.toNanos() : full;
        long half = full / 2;
        return Duration.ofNanos(half + (half == 0 ? 0 : ThreadLocalRandom.current().nextLong(full - half + 1)));
    }
}
