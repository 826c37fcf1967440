package io.metalprompt.testing;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** Kafka, Redis and the tiny models: everything a model-serving service needs under test. */
public class TinyModelsTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(TestInfrastructure.get().quarkusConfig());
        config.putAll(TinyModels.config());
        return config;
    }

    @Override
    public void stop() {
        // servers and model files live for the whole JVM
    }
}
