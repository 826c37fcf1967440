package io.metalprompt.gateway;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A {@link TenantQuotas.Counter} in this JVM's memory on a clock the test moves, for unit tests of what
 * {@link TenantQuotas} answers; the gateway counts in Redis ({@link RedisQuotaCounter}), which
 * {@code io.metalprompt.store.TenantLimitsTest} tests with two instances. Leases never end here.
 */
final class InMemoryQuotaCounter implements TenantQuotas.Counter {

    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<String>> inProgress = new ConcurrentHashMap<>();
    volatile RuntimeException failure;

    InMemoryQuotaCounter(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    @Override
    public double take(String tenant, double perSecond, int burst) {
        fail();
        return buckets.computeIfAbsent(tenant, t -> new TokenBucket(burst, perSecond, nanoTime.getAsLong()))
                .take(nanoTime.getAsLong());
    }

    @Override
    public synchronized boolean enter(String tenant, String permit, int max, Duration lease) {
        fail();
        Set<String> permits = inProgress.computeIfAbsent(tenant, t -> ConcurrentHashMap.newKeySet());
        if (permits.size() >= max) {
            return false;
        }
        permits.add(permit);
        return true;
    }

    @Override
    public void leave(String tenant, String permit) {
        fail();
        Set<String> permits = inProgress.get(tenant);
        if (permits != null) {
            permits.remove(permit);
        }
    }

    @Override
    public long inProgress(String tenant) {
        Set<String> permits = inProgress.get(tenant);
        return permits == null ? 0 : permits.size();
    }

    private void fail() {
        RuntimeException e = failure;
        if (e != null) {
            throw e;
        }
    }
}
