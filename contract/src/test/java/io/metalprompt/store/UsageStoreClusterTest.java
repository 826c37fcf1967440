package io.metalprompt.store;

import io.metalprompt.testing.TestInfrastructure;

/** {@link UsageStoreTest} on a Redis Cluster: recording is one script on the tenant's slot (seen key and day hash). */
class UsageStoreClusterTest extends UsageStoreTest {

    @Override
    String redisUrl() {
        return TestInfrastructure.redisClusterUrl();
    }
}
