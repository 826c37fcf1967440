package io.metalprompt.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.metalprompt.client.FakeGateway.Answer;

/** {@link MetalClient#awaitReady} reads the task until it is ready, and says why when it never will be. */
class AwaitReadyTest {

    private final FakeGateway gateway;

    AwaitReadyTest() throws Exception {
        gateway = new FakeGateway();
    }

    @AfterEach
    void close() {
        gateway.close();
    }

    private static Answer status(String status) {
        return Answer.json(200, "{\"id\":\"t1\",\"status\":\"" + status + "\",\"reason\":\"the PGM failed\"}");
    }

    @Test
    void pendingUntilReady() {
        gateway.on("GET", "/v1/tasks/t1", status("pending"), status("pending"), status("ready"));
        TaskView view = gateway.client(RetryPolicy.NONE).build().awaitReady("t1", Duration.ofSeconds(10));
        assertEquals(TaskStatus.READY, view.status());
        assertEquals(3, gateway.requests().size());
    }

    @Test
    void aFailedTaskIsAnErrorWithItsReason() {
        gateway.on("GET", "/v1/tasks/t1", status("pending"), status("failed"));
        MetalClient client = gateway.client(RetryPolicy.NONE).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> client.awaitReady("t1", Duration.ofSeconds(10)));
        assertEquals("task t1 is failed: the PGM failed", e.getMessage());
    }

    @Test
    void stillPendingAtTheDeadlineIsAnError() {
        gateway.on("GET", "/v1/tasks/t1", status("pending"));
        MetalClient client = gateway.client(RetryPolicy.NONE).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> client.awaitReady("t1", Duration.ofMillis(500)));
        assertEquals("task t1 still pending after 500 ms", e.getMessage());
    }
}
