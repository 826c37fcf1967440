package io.metalprompt.worker;

import io.metalprompt.testing.ServiceHealthTest;
import io.metalprompt.testing.TinyModelsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(value = TinyModelsTestResource.class, restrictToAnnotatedClass = false,
        initArgs = @ResourceArg(name = "pgm", value = "false"))
class HealthTest extends ServiceHealthTest {
}
