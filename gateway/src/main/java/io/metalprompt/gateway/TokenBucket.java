package io.metalprompt.gateway;

import java.util.concurrent.TimeUnit;

/**
 * A token bucket: up to {@code capacity} tokens, refilled at {@code perSecond}; the time ({@code System.nanoTime}
 * style) is passed in, so tests move it. Thread-safe.
 */
final class TokenBucket {

    private final double capacity;
    private final double perSecond;
    private double tokens;
    private long last;

    TokenBucket(double capacity, double perSecond, long now) {
        this.capacity = capacity;
        this.perSecond = perSecond;
        this.tokens = capacity;
        this.last = now;
    }

    /** Takes a token and answers 0, or answers the seconds until one is there (taking none). */
    synchronized double take(long now) {
        double wait = secondsToNext(now);
        if (wait == 0) {
            tokens -= 1;
        }
        return wait;
    }

    /** The seconds until a token is there, 0 when one is; takes none. */
    synchronized double secondsToNext(long now) {
        refill(now);
        return tokens >= 1 ? 0 : (1 - tokens) / perSecond;
    }

    /** True when the bucket is full again: forgetting it changes nothing. */
    synchronized boolean full(long now) {
        refill(now);
        return tokens >= capacity;
    }

    private void refill(long now) {
        double elapsed = Math.max(0, now - last) / (double) TimeUnit.SECONDS.toNanos(1);
        tokens = Math.min(capacity, tokens + elapsed * perSecond);
        last = now;
    }
}
