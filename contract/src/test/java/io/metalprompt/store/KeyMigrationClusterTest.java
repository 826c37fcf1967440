package io.metalprompt.store;

import io.metalprompt.testing.TestInfrastructure;

/** {@link KeyMigrationTest} on a Redis Cluster: old keys spread over three masters, each scanned on its node. */
class KeyMigrationClusterTest extends KeyMigrationTest {

    @Override
    String redisUrl() {
        return TestInfrastructure.redisClusterUrl();
    }
}
