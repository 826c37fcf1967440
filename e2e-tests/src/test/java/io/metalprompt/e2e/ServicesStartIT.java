package io.metalprompt.e2e;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.metalprompt.testing.TestInfrastructure;
import io.metalprompt.testing.TinyModels;

/** The three packaged services start against real Kafka and Redis and report ready. */
class ServicesStartIT {

    private static final List<ServiceProcess> services = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        Map<String, String> models = TinyModels.config();
        Map<String, String> env = Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrap(),
                "METAL_REDIS_URL", infra.redisUrl(),
                "METAL_MODEL_BASE", models.get("metal.model.base"),
                "METAL_MODEL_PGM", models.get("metal.model.pgm"));
        for (String module : List.of("gateway", "prompt-generator", "inference-worker")) {
            services.add(ServiceProcess.start(module, TestInfrastructure.freePort(), env));
        }
        for (ServiceProcess service : services) {
            service.awaitReady(Duration.ofSeconds(90));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServiceProcess service : services) {
            service.close();
        }
    }

    @Test
    void everyServiceIsReadyWithRedisUp() {
        for (ServiceProcess service : services) {
            given().baseUri(service.baseUrl()).when().get("/q/health/ready")
                    .then().statusCode(200).body("status", equalTo("UP"));
        }
    }
}
