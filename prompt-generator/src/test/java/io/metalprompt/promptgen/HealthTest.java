package io.metalprompt.promptgen;

import io.metalprompt.testing.ServiceHealthTest;
import io.metalprompt.testing.TinyModelsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(value = TinyModelsTestResource.class, restrictToAnnotatedClass = false)
class HealthTest extends ServiceHealthTest {
}
