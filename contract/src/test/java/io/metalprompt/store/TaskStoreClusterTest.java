package io.metalprompt.store;

import io.metalprompt.testing.TestInfrastructure;

/** {@link TaskStoreTest} against a Redis Cluster of 3 masters and 3 replicas: every script and command is slot-safe. */
class TaskStoreClusterTest extends TaskStoreTest {

    @Override
    String redisUrl() {
        return TestInfrastructure.redisClusterUrl();
    }
}
