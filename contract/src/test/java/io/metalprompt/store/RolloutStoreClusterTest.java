package io.metalprompt.store;

import io.metalprompt.testing.TestInfrastructure;

/** {@link RolloutStoreTest} against a Redis Cluster of 3 masters and 3 replicas: every script and command is slot-safe. */
class RolloutStoreClusterTest extends RolloutStoreTest {

    @Override
    String redisUrl() {
        return TestInfrastructure.redisClusterUrl();
    }
}
