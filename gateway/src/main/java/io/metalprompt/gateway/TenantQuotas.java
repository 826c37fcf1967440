package io.metalprompt.gateway;

import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jboss.logging.Logger;

/**
 * A tenant's request rate (a token bucket: {@code burst} tokens, refilled at {@code requestsPerSecond}) and its
 * requests in progress, counted by a {@link Counter} that every gateway instance shares (Redis:
 * {@link RedisQuotaCounter}), so N gateways let a tenant through at its rate, not N times it. Plain Java; a limit of 0
 * is no limit. The counter failing (Redis unreachable) fails the request closed: it is refused as unavailable (503
 * with {@code Retry-After}), never let through uncounted.
 */
public final class TenantQuotas {

    private static final Logger LOG = Logger.getLogger(TenantQuotas.class);

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

    /** Where the counts live; shared by every gateway instance. Any exception is the store being unavailable. */
    public interface Counter {
        /** Takes a token from the tenant's bucket: 0, or the seconds until one is there (none taken). */
        double take(String tenant, double perSecond, int burst);

        /** Counts {@code permit} as in progress for at most {@code lease} unless {@code max} are: then false. */
        boolean enter(String tenant, String permit, int max, Duration lease);

        /** {@code permit} is no longer in progress. */
        void leave(String tenant, String permit);

        /** Requests of the tenant in progress. */
        long inProgress(String tenant);
    }

    /** A request counted as in progress until {@link #close()} (idempotent, never throws). */
    public interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    private static final Permit UNLIMITED = () -> { };

    private final Settings settings;
    private final Counter counter;
    private final Duration lease;
    private final int retryAfterSeconds;

    /**
     * @param lease how long a request counts as in progress at most, should its gateway die before it ends (longer
     *              than any request: the prediction and publish timeouts)
     * @param retryAfterSeconds the {@code Retry-After} of the 503 when the counter cannot be reached
     */
    public TenantQuotas(Settings settings, Counter counter, Duration lease, int retryAfterSeconds) {
        this.settings = settings;
        this.counter = counter;
        this.lease = lease;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Takes one token from the tenant's bucket; 429 with the seconds until the next token when it is empty. */
    public void checkRate(String tenant) {
        if (settings.requestsPerSecond() <= 0) {
            return;
        }
        double wait;
        try {
            wait = counter.take(tenant, settings.requestsPerSecond(), settings.burst());
        } catch (RuntimeException e) {
            throw unavailable(tenant, e);
        }
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
        String id = UUID.randomUUID().toString();
        boolean admitted;
        try {
            admitted = counter.enter(tenant, id, max, lease);
        } catch (RuntimeException e) {
            throw unavailable(tenant, e);
        }
        if (!admitted) {
            throw ApiException.tooManyRequests("too-many-concurrent-requests", "tenant '" + tenant + "' has reached its limit of "
                    + "concurrent requests (" + max + "); retry when one of them has been answered", 1);
        }
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                try {
                    counter.leave(tenant, id);
                } catch (RuntimeException e) {
                    // the answer stands; the permit ends with its lease
                    LOG.warnf("could not end a request of tenant '%s' in the quota store (it ends with its lease, %s): %s",
                            tenant, lease, e.getMessage());
                }
            }
        };
    }

    /** Requests of the tenant in progress now (for tests and diagnostics). */
    public long inProgress(String tenant) {
        return counter.inProgress(tenant);
    }

    private ApiException unavailable(String tenant, RuntimeException e) {
        LOG.warnf("quotas of tenant '%s' cannot be checked, request refused: %s", tenant, e.getMessage());
        return ApiException.unavailable("the tenant's quotas cannot be checked (Redis is not reachable); retry later",
                retryAfterSeconds);
    }

    private static String number(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
