package io.metalprompt.testing;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Kafka, Redis and the tiny models: everything a model-serving service needs under test. With the init argument
 * {@code pgm=false} only the base model is configured (for services that read no PGM).
 */
public class TinyModelsTestResource implements QuarkusTestResourceLifecycleManager {

    private boolean withPgm = true;

    @Override
    public void init(Map<String, String> initArgs) {
        withPgm = !"false".equals(initArgs.get("pgm"));
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(TestInfrastructure.get().quarkusConfig());
        config.putAll(TinyModels.config());
        if (!withPgm) {
            config.remove("metal.model.pgm");
        }
        return config;
    }

    @Override
    public void stop() {
        // servers and model files live for the whole JVM
    }
}
