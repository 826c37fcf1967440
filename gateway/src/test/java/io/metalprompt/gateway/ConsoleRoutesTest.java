package io.metalprompt.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.metalprompt.testing.KafkaRedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The console's two doors: the folder with its security headers, and the address without the slash. */
@QuarkusTest
@QuarkusTestResource(KafkaRedisTestResource.class)
class ConsoleRoutesTest {

    @ConfigProperty(name = "metal.gateway.console-policy")
    String policy;

    @Test
    void theConsoleWithoutItsSlashRedirectsToTheFolder() {
        given().redirects().follow(false).when().get("/console").then().statusCode(301)
                .header("Location", equalTo("console/"));
    }

    @Test
    void theConsoleFolderIsItsPageUnderAStrictPolicy() {
        given().when().get("/console/").then().statusCode(200)
                .contentType(containsString("text/html"))
                .header("Content-Security-Policy", equalTo(policy))
                .header("X-Content-Type-Options", equalTo("nosniff"))
                .header("Referrer-Policy", equalTo("no-referrer"));
    }

    @Test
    void theApiGetsNoConsolePolicy() {
        given().when().get("/q/openapi").then().header("Content-Security-Policy", nullValue());
    }
}
