package io.metalprompt.client;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client is for any JVM application: none of the project's other modules, no Quarkus, no DJL on its class path
 * (a dependency added to client/pom.xml would put them here too).
 */
class ClientDependenciesTest {

    @ParameterizedTest
    @ValueSource(strings = {"io.metalprompt.events.EventCodec", "io.metalprompt.store.TaskStore",
            "io.metalprompt.tasks.TaskExample", "io.quarkus.runtime.Quarkus", "ai.djl.ndarray.NDArray",
            "io.lettuce.core.RedisClient"})
    void isNotOnTheClassPath(String className) {
        assertThrows(ClassNotFoundException.class, () -> Class.forName(className));
    }
}
