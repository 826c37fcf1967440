package io.metalprompt.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.net.URL;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;

/**
 * What every service's health and metrics endpoints answer: on the management interface (a port of its own), and
 * not on the port the service's clients use. A service's {@code HealthTest} extends it as a {@code @QuarkusTest}
 * with the test resource its start needs.
 */
public abstract class ServiceHealthTest {

    // management URLs are relative to the management root path, /q
    @TestHTTPResource(value = "/health/ready", management = true)
    URL ready;

    @TestHTTPResource(value = "/health/live", management = true)
    URL live;

    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    @Test
    void readyWhenRedisAnswers() {
        given().when().get(ready)
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("redis"));
        given().when().get(live).then().statusCode(200);
    }

    @Test
    void exposesPrometheusMetrics() {
        given().when().get(metrics).then().statusCode(200);
    }

    /** The service's main port serves neither: metrics and health are no business of its clients. */
    @Test
    void theMainPortServesNoMetricsAndNoHealth() {
        for (String path : new String[] {"/q/metrics", "/q/health", "/q/health/ready", "/q/health/live"}) {
            given().when().get(path).then().statusCode(404);
        }
    }
}
