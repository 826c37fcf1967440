package io.metalprompt.gateway;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Failed authentications per client address, so keys cannot be guessed at speed (300 invalid keys in 0.6 s were
 * all answered 401): each address has a token bucket of {@code burst} failures refilled at {@code perMinute}; a
 * failure takes a token, and while an address has none every call from it is a 429 with {@code Retry-After}, before
 * its key is looked at (a valid key then waits too: the answer must not tell a right guess from a wrong one).
 * Counted in this instance's memory, like the request rate; plain Java, the clock is a parameter. Buckets that have
 * refilled are forgotten once there are more than {@link #MAX_TRACKED} addresses.
 */
public final class FailedAuthentications {

    /** Addresses tracked before full buckets are dropped. */
    static final int MAX_TRACKED = 10_000;

    /** {@code perMinute} 0 = no limit. */
    public record Settings(double perMinute, int burst) {
        public Settings {
            if (perMinute < 0 || burst < 0 || (perMinute > 0 && burst < 1)) {
                throw new IllegalArgumentException("metal.gateway.auth.failures-per-minute must not be negative and "
                        + "metal.gateway.auth.failure-burst must be at least 1 when it is limited: " + this);
            }
        }

        public static Settings of(GatewayConfig.Auth auth) {
            return new Settings(auth.failuresPerMinute(), auth.failureBurst());
        }
    }

    private final Settings settings;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    public FailedAuthentications(Settings settings, LongSupplier nanoTime) {
        this.settings = settings;
        this.nanoTime = nanoTime;
    }

    /** 429 when {@code client} has used up its failures; otherwise nothing. */
    public void check(String client) {
        TokenBucket bucket = settings.perMinute() <= 0 ? null : buckets.get(client);
        double wait = bucket == null ? 0 : bucket.secondsToNext(nanoTime.getAsLong());
        if (wait > 0) {
            throw ApiException.tooManyRequests("too-many-failed-authentications", "too many failed authentications "
                    + "from " + client + " (more than " + settings.burst() + ", then " + number(settings.perMinute())
                    + " a minute); retry after the Retry-After seconds with a valid key", (int) Math.ceil(wait));
        }
    }

    /** Counts a failed authentication of {@code client}. */
    public void failed(String client) {
        if (settings.perMinute() <= 0) {
            return;
        }
        long now = nanoTime.getAsLong();
        if (buckets.size() > MAX_TRACKED) {
            buckets.values().removeIf(bucket -> bucket.full(now));
        }
        buckets.computeIfAbsent(client, c -> new TokenBucket(settings.burst(), settings.perMinute() / 60, now)).take(now);
    }

    /** How many addresses are tracked now (for tests). */
    int tracked() {
        return buckets.size();
    }

    private static String number(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
