package io.metalprompt.gateway;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

import io.metalprompt.store.ApiKeys;

/**
 * The API key records the gateway read, remembered for a short while by the key's SHA-256 (never the key), so that a
 * call with a key used moments ago costs no Redis round trip and no record parsing on its request thread (issue 18:
 * the key check was a tenth of the request threads' CPU). Caffeine: at most {@code ttl} after the read, at most
 * {@code maxKeys} records. Only keys that exist are kept, valid or revoked: an unknown key is read every time, so a key
 * created a moment ago works at once.
 *
 * <p>A revocation ({@link ApiKeys#revoke}) is published on Redis pub/sub and {@link KeyRevocations} hands it to
 * {@link #onRevocation}. The guarantee: <b>a revocation takes effect at once on every gateway subscribed; within
 * {@code ttl} on one that was disconnected</b> from Redis when it was published. "At once" is as soon as the message
 * arrives, which Redis sends while it answers the {@code PUBLISH}: a call that reaches the gateway after
 * {@code revoke} returned normally finds the key dropped, but nothing waits for the gateways. Messages sent while a
 * gateway is disconnected are lost (a connection that broke without the gateway noticing counts as disconnected until
 * Lettuce notices). Nothing is kept before the subscription is first confirmed, and everything kept is dropped each
 * time it is confirmed again after a reconnect ({@link #onSubscription}), so a gateway that lost messages does not
 * keep what it read before the loss. A {@code ttl} of zero keeps nothing.
 */
public final class ApiKeyCache {

    private final Function<String, Optional<ApiKeys.ApiKey>> store;
    private final Cache<String, ApiKeys.ApiKey> records;
    private final boolean enabled;
    /** Counts revocations and reconnects, so a read that raced one is not kept (see {@link #find}). */
    private final AtomicLong invalidations = new AtomicLong();
    private volatile boolean subscribed;

    /**
     * @param store   reads a key's record by its SHA-256 hex ({@link ApiKeys#findByHash})
     * @param ttl     how long a record read is used; zero keeps nothing
     * @param maxKeys most records kept
     */
    public ApiKeyCache(Function<String, Optional<ApiKeys.ApiKey>> store, Duration ttl, int maxKeys) {
        this(store, ttl, maxKeys, Ticker.systemTicker());
    }

    ApiKeyCache(Function<String, Optional<ApiKeys.ApiKey>> store, Duration ttl, int maxKeys, Ticker ticker) {
        this.store = store;
        this.enabled = !ttl.isZero() && maxKeys > 0;
        this.records = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(Math.max(0, maxKeys)).ticker(ticker)
                .build();
    }

    /** False when the settings keep nothing: then no subscription is needed either. */
    public boolean enabled() {
        return enabled;
    }

    /** The record of the key with this SHA-256 hex, remembered or read from the store. */
    public Optional<ApiKeys.ApiKey> find(String keyHash) {
        if (!enabled || !subscribed) {
            return store.apply(keyHash);
        }
        ApiKeys.ApiKey known = records.getIfPresent(keyHash);
        if (known != null) {
            return Optional.of(known);
        }
        long before = invalidations.get();
        Optional<ApiKeys.ApiKey> read = store.apply(keyHash);
        if (read.isPresent()) {
            records.put(keyHash, read.get());
            // a revocation that arrived while this read was under way may be newer than what was read: drop it again
            // (a revocation arriving after this check finds the record in place and drops it itself)
            if (invalidations.get() != before) {
                records.invalidate(keyHash);
            }
        }
        return read;
    }

    /** The key with this SHA-256 hex was revoked: read it again on its next use. */
    public void onRevocation(String keyHash) {
        invalidations.incrementAndGet();
        records.invalidate(keyHash);
    }

    /**
     * Redis confirmed the subscription to revocations, first or after a reconnect: revocations published while it was
     * down were lost, so everything read before is dropped; from now on records are kept.
     */
    public void onSubscription() {
        invalidations.incrementAndGet();
        records.invalidateAll();
        subscribed = true;
    }

    /** True once the subscription to revocations was confirmed: records are kept from then on. */
    boolean subscribed() {
        return subscribed;
    }
}
