package io.metalprompt.gateway;

import io.metalprompt.testing.KafkaRedisTestResource;
import io.metalprompt.testing.ServiceHealthTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(value = KafkaRedisTestResource.class, restrictToAnnotatedClass = false)
class HealthTest extends ServiceHealthTest {
}
