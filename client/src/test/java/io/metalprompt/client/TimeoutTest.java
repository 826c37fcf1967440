package io.metalprompt.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.metalprompt.client.FakeGateway.Answer;

/**
 * A call that gets no answer in the request timeout fails with a {@link MetalTransportException}, and is sent again
 * only when sending it twice is harmless; a connection refused is retried for any call (nothing was sent).
 */
class TimeoutTest {

    /** Long enough that a prompt answer arrives within it on a loaded 2-core machine; the slow answers take 5x it. */
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final Duration SLOW = TIMEOUT.multipliedBy(5);
    private static final String READY = "{\"id\":\"t1\",\"status\":\"ready\"}";

    private final FakeGateway gateway;

    TimeoutTest() throws Exception {
        gateway = new FakeGateway();
    }

    @AfterEach
    void close() {
        gateway.close();
    }

    private MetalClient client(RetryPolicy policy) {
        return gateway.client(policy).time(new FakeTime()).requestTimeout(TIMEOUT).build();
    }

    @Test
    void noAnswerWithinTheRequestTimeoutFailsSoonAfterIt() {
        gateway.on("GET", "/v1/tasks/t1", Answer.json(200, READY).after(SLOW));
        long start = System.nanoTime();

        MetalTransportException e = assertThrows(MetalTransportException.class, () -> client(RetryPolicy.NONE).task("t1"));

        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= TIMEOUT.toMillis() && ms < SLOW.toMillis(), "failed after " + ms + " ms");
        assertTrue(e.timedOut());
        assertTrue(e.getCause() instanceof HttpTimeoutException, String.valueOf(e.getCause()));
        assertEquals("GET /v1/tasks/t1: no answer in time (java.net.http.HttpTimeoutException: request timed out)",
                e.getMessage());
    }

    @Test
    void aReadThatTimedOutIsSentAgain() {
        gateway.on("GET", "/v1/tasks/t1", Answer.json(200, READY).after(SLOW), Answer.json(200, READY));
        assertEquals("t1", client(RetryPolicy.DEFAULT).task("t1").id());
        assertEquals(2, gateway.requests().size());
    }

    @Test
    void aKeyedPostThatTimedOutIsSentAgainWithItsKey() {
        gateway.on("POST", "/v1/tasks/t1/predictions",
                Answer.json(200, "{\"predictions\":[]}").after(SLOW),
                Answer.json(200, "{\"taskId\":\"t1\",\"predictions\":[]}"));
        assertEquals("t1", client(RetryPolicy.DEFAULT).predict("t1", List.of("x")).taskId());
        assertEquals(2, gateway.requests().size());
    }

    @Test
    void aPostWithoutAKeyThatTimedOutIsNotSentAgain() {
        // a refinement may have been queued by the attempt that timed out: only the caller can tell
        gateway.on("POST", "/v1/tasks/t1/refine", Answer.json(202, "{\"id\":\"t1\",\"version\":2}").after(SLOW));
        MetalTransportException e = assertThrows(MetalTransportException.class,
                () -> client(RetryPolicy.DEFAULT).refine("t1", Refinement.steps(10)));
        assertEquals(1, e.attempts());
        assertEquals(1, gateway.requests().size());
    }

    @Test
    void aConnectionRefusedIsRetriedAndThenSaysSo() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        FakeTime time = new FakeTime();
        MetalClient client = MetalClient.builder(URI.create("http://127.0.0.1:" + closedPort), "k")
                .retryPolicy(RetryPolicy.DEFAULT.withMaxAttempts(3)).time(time).build();

        MetalTransportException e = assertThrows(MetalTransportException.class, () -> client.refine("t1", Refinement.steps(1)));

        assertFalse(e.timedOut());
        assertEquals(3, e.attempts());
        assertEquals(2, time.sleeps().size());
    }
}
