package io.metalprompt.gateway;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A tenant's request rate (a token bucket: {@code burst} tokens, refilled at {@code requestsPerSecond}) and its
 * requests in progress, counted in this gateway instance's memory; plain Java, the clock is a parameter.
 * A limit of 0 is no limit. Tenants are only ever callers with a valid key, so the maps stay as small as the
 * number of tenants.
 */
public final class TenantQuotas {

    /** The limits every tenant gets (from {@link GatewayConfig.Quota}). */
    public record Settings(double requestsPerSecond, int burst, int maxConcurrentRequests) {
        public Settings {
            if (requestsPerSecond < 0 || burst < 0 || maxConcurrentRequests < 0) {
                throw new IllegalArgumentException("quotas must not be negative: " + this);
            }
            if (requestsPerSecond > 0 && burst < 1) {
                throw new IllegalArgumentException("metal.gateway.quota.burst must be at least 1 when the request rate is limited");
            }
        }

        public static Settings of(GatewayConfig.Quota quota) {
            return new Settings(quota.requestsPerSecond(), quota.burst(), quota.maxConcurrentRequests());
        }
    }

    /** A request counted as in progress until {@link #close()} (idempotent). */
    public interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    private static final Permit UNLIMITED = () -> { };

    private final Settings settings;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> inProgress = new ConcurrentHashMap<>();

    public TenantQuotas(Settings settings, LongSupplier nanoTime) {
        this.settings = settings;
        this.nanoTime = nanoTime;
    }

    /** Takes one token from the tenant's bucket; 429 with the seconds until the next token when it is empty. */
    public void checkRate(String tenant) {
        if (settings.requestsPerSecond() <= 0) {
            return;
        }
        double wait = buckets.computeIfAbsent(tenant,
                t -> new TokenBucket(settings.burst(), settings.requestsPerSecond(), nanoTime.getAsLong()))
                .take(nanoTime.getAsLong());
        if (wait > 0) {
            throw ApiException.tooManyRequests("rate-limited", String.format(Locale.ROOT,
                    "tenant '%s' sends more than %s requests per second (bursts of %d); retry after the Retry-After seconds",
                    tenant, number(settings.requestsPerSecond()), settings.burst()), (int) Math.ceil(wait));
        }
    }

    /** Counts a request of the tenant as in progress; 429 when the tenant already has its maximum in progress. */
    public Permit enter(String tenant) {
        int max = settings.maxConcurrentRequests();
        if (max <= 0) {
            return UNLIMITED;
        }
        AtomicInteger count = inProgress.computeIfAbsent(tenant, t -> new AtomicInteger());
        if (count.incrementAndGet() > max) {
            count.decrementAndGet();
            throw ApiException.tooManyRequests("too-many-concurrent-requests", "tenant '" + tenant + "' has reached its limit of "
                    + "concurrent requests (" + max + "); retry when one of them has been answered", 1);
        }
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                count.decrementAndGet();
            }
        };
    }

    /** Requests of the tenant in progress now (for tests and diagnostics). */
    public int inProgress(String tenant) {
        AtomicInteger count = inProgress.get(tenant);
        return count == null ? 0 : count.get();
    }

    private static String number(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
