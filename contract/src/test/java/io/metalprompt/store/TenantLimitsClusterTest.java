package io.metalprompt.store;

import io.metalprompt.testing.TestInfrastructure;

/** {@link TenantLimitsTest} on a Redis Cluster: each check is one script on the tenant's slot. */
class TenantLimitsClusterTest extends TenantLimitsTest {

    @Override
    String redisUrl() {
        return TestInfrastructure.redisClusterUrl();
    }
}
