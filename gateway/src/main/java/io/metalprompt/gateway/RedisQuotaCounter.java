package io.metalprompt.gateway;

import java.time.Duration;

import io.metalprompt.store.TenantLimits;

/** The quota counts every gateway instance shares, in Redis ({@link TenantLimits}: one atomic script per check). */
final class RedisQuotaCounter implements TenantQuotas.Counter {

    private final TenantLimits limits;

    RedisQuotaCounter(TenantLimits limits) {
        this.limits = limits;
    }

    @Override
    public double take(String tenant, double perSecond, int burst) {
        return limits.take(tenant, perSecond, burst);
    }

    @Override
    public boolean enter(String tenant, String permit, int max, Duration lease) {
        return limits.enter(tenant, permit, max, lease);
    }

    @Override
    public void leave(String tenant, String permit) {
        limits.leave(tenant, permit);
    }

    @Override
    public long inProgress(String tenant) {
        return limits.inProgress(tenant);
    }
}
