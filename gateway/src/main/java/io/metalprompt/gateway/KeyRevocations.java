package io.metalprompt.gateway;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.metalprompt.store.ApiKeys;
import io.metalprompt.store.RedisConnector;

/**
 * Keeps the gateway subscribed to {@value ApiKeys#REVOKED_CHANNEL} and hands what it hears to the {@link ApiKeyCache}:
 * each revoked key's hash, and each confirmation of the subscription (first, and after every reconnect, which Lettuce
 * makes by itself). A gateway must start while Redis is down (it reports not ready), so the first subscription is made
 * in the background and tried again every {@code retry} until it holds; until then the cache keeps nothing.
 */
public final class KeyRevocations implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KeyRevocations.class);

    private final RedisConnector redis;
    private final ApiKeyCache cache;
    private final Duration retry;
    private AutoCloseable subscription;
    private boolean closed;
    private boolean failing;

    public KeyRevocations(RedisConnector redis, ApiKeyCache cache, Duration retry) {
        this.redis = redis;
        this.cache = cache;
        this.retry = retry;
    }

    /** Subscribes in the background; returns at once. */
    public synchronized void start() {
        if (closed) {
            return;
        }
        redis.subscribe(ApiKeys.REVOKED_CHANNEL, cache::onRevocation, cache::onSubscription).whenComplete(this::done);
    }

    private synchronized void done(AutoCloseable opened, Throwable failed) {
        if (failed != null) {
            if (!failing) {   // once per outage, not every retry
                LOG.warnf("no subscription to API key revocations yet (%s): keys are read from Redis for every call, "
                        + "trying again every %d ms", failed.getMessage(), retry.toMillis());
                failing = true;
            }
            CompletableFuture.delayedExecutor(retry.toMillis(), TimeUnit.MILLISECONDS).execute(this::start);
            return;
        }
        if (closed) {   // closed while connecting; this may be Lettuce's I/O thread, which a close must not block
            CompletableFuture.runAsync(() -> closeQuietly(opened));
            return;
        }
        if (failing) {
            LOG.info("subscribed to API key revocations");
            failing = false;
        }
        subscription = opened;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (subscription != null) {
            closeQuietly(subscription);
            subscription = null;
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.debugf("closing the revocation subscription: %s", e.getMessage());
        }
    }
}
