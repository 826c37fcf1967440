package io.metalprompt.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.metalprompt.client.FakeGateway.Answer;

/** An error answer becomes a {@link MetalApiException} carrying its problem details, whatever the body is. */
class ProblemParsingTest {

    private final FakeGateway gateway;

    ProblemParsingTest() throws Exception {
        gateway = new FakeGateway();
    }

    @AfterEach
    void close() {
        gateway.close();
    }

    private MetalApiException failing(Answer answer) {
        gateway.on("POST", "/v1/tasks/t1/predictions", answer);
        MetalClient client = gateway.client(RetryPolicy.NONE).build();
        return assertThrows(MetalApiException.class, () -> client.predict("t1", List.of("x")));
    }

    @Test
    void theGatewaysProblemDetailsAreAllThere() {
        MetalApiException e = failing(new Answer(409, Map.of("Content-Type", "application/problem+json", "Retry-After", "2"),
                "{\"type\":\"urn:metal-prompt:problem:not-ready\",\"title\":\"Task not ready\",\"status\":409,"
                        + "\"detail\":\"task t1 is pending\",\"instance\":\"/v1/tasks/t1/predictions\",\"extra\":[1]}",
                Duration.ZERO));

        assertEquals(new Problem("urn:metal-prompt:problem:not-ready", "Task not ready", 409, "task t1 is pending",
                "/v1/tasks/t1/predictions"), e.problem());
        assertEquals(409, e.status());
        assertEquals("urn:metal-prompt:problem:not-ready", e.type());
        assertEquals("Task not ready", e.title());
        assertEquals("task t1 is pending", e.detail());
        assertEquals(Optional.of(Duration.ofSeconds(2)), e.retryAfter());
        assertEquals("POST", e.method());
        assertEquals("/v1/tasks/t1/predictions", e.path());
        assertEquals("POST /v1/tasks/t1/predictions: 409 Task not ready: task t1 is pending "
                + "(urn:metal-prompt:problem:not-ready); Retry-After 2 s", e.getMessage());
    }

    @Test
    void aBodyThatIsNotAProblemIsDescribedFromTheStatusAndTheBody() {
        MetalApiException e = failing(new Answer(502, Map.of("Content-Type", "text/html"),
                "<html><body>Bad Gateway</body></html>", Duration.ZERO));

        assertEquals("about:blank", e.type());
        assertEquals("HTTP 502", e.title());
        assertEquals(502, e.status());
        assertEquals("<html><body>Bad Gateway</body></html>", e.detail());
        assertEquals(Optional.empty(), e.retryAfter());
    }

    @Test
    void anEmptyErrorAnswerStillHasItsStatus() {
        MetalApiException e = failing(new Answer(413, Map.of(), "", Duration.ZERO));
        assertEquals(413, e.status());
        assertNull(e.detail());
        assertEquals("POST /v1/tasks/t1/predictions: 413 HTTP 413", e.getMessage());
    }

    @Test
    void aJsonContentTypeWithABrokenBodyFallsBackToTheBody() {
        MetalApiException e = failing(new Answer(500, Map.of("Content-Type", "application/problem+json"), "{\"type\":", Duration.ZERO));
        assertEquals(500, e.status());
        assertEquals("{\"type\":", e.detail());
    }

    @Test
    void aLongBodyIsCutInTheDetail() {
        MetalApiException e = failing(new Answer(503, Map.of("Content-Type", "text/plain"), "x".repeat(5000), Duration.ZERO));
        assertTrue(e.detail().length() < 600, "detail of " + e.detail().length() + " characters");
    }

    @Test
    void anUnreadableRetryAfterIsIgnored() {
        MetalApiException e = failing(Answer.problem(503, "unavailable", "Service Unavailable", "x").header("Retry-After", "soon"));
        assertEquals(Optional.empty(), e.retryAfter());
    }

    @Test
    void anAuthenticationFailureNamesTheProblemButNeverTheKey() {
        gateway.on("GET", "/v1/tasks/t1", Answer.problem(401, "unauthorized", "Unauthorized", "the API key is unknown or revoked")
                .header("WWW-Authenticate", "Bearer realm=\"metal-prompt\", error=\"invalid_token\""));
        MetalClient client = MetalClient.builder(gateway.uri(), "mpk_secret-key-never-shown").retryPolicy(RetryPolicy.NONE).build();

        MetalApiException e = assertThrows(MetalApiException.class, () -> client.task("t1"));

        assertEquals(401, e.status());
        assertEquals("Bearer mpk_secret-key-never-shown", gateway.requests().get(0).header("Authorization"));
        assertTrue(!e.getMessage().contains("mpk_secret"), e.getMessage());
    }
}
