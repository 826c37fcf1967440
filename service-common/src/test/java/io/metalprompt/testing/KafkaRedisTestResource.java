package io.metalprompt.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The one Quarkus test resource for every test that needs Kafka or Redis: points the service at
 * {@link TestInfrastructure}'s servers (environment, Testcontainers or in-process, in that order).
 */
public class KafkaRedisTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return TestInfrastructure.get().quarkusConfig();
    }

    @Override
    public void stop() {
        // The servers live for the whole JVM (a shutdown hook stops them): restarting per class costs seconds.
    }
}
