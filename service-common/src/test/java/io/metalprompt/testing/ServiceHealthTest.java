package io.metalprompt.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import org.junit.jupiter.api.Test;

/**
 * What every service's health and metrics endpoints answer. A service's {@code HealthTest} extends it as a
 * {@code @QuarkusTest} with the test resource its start needs.
 */
public abstract class ServiceHealthTest {

    @Test
    void readyWhenRedisAnswers() {
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("redis"));
    }

    @Test
    void exposesPrometheusMetrics() {
        given().when().get("/q/metrics").then().statusCode(200);
    }
}
