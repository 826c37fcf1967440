package io.metalprompt.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.metalprompt.client.FakeGateway.Answer;

/**
 * Answers that say "later" (429, 503, 504) are retried after the gateway's {@code Retry-After}, or a jittered
 * exponential backoff without one, within the policy's attempts and total time; other errors are not retried.
 */
class RetryScheduleTest {

    private static final String READY = "{\"id\":\"t1\",\"status\":\"ready\"}";

    private final FakeGateway gateway;
    private final FakeTime time = new FakeTime();

    RetryScheduleTest() throws Exception {
        gateway = new FakeGateway();
    }

    @AfterEach
    void close() {
        gateway.close();
    }

    private MetalClient client(RetryPolicy policy) {
        return gateway.client(policy).time(time).build();
    }

    @Test
    void waitsWhatEachRetryAfterSaysThenSucceeds() {
        gateway.on("GET", "/v1/tasks/t1",
                Answer.problem(429, "rate-limited", "Too Many Requests", "slow down").header("Retry-After", "3"),
                Answer.problem(503, "unavailable", "Service Unavailable", "Redis").header("Retry-After", "1"),
                Answer.problem(504, "timeout", "Gateway Timeout", "no worker").header("Retry-After", "2"),
                Answer.json(200, READY));

        TaskView view = client(RetryPolicy.DEFAULT).task("t1");

        assertEquals(TaskStatus.READY, view.status());
        assertEquals(List.of(Duration.ofSeconds(3), Duration.ofSeconds(1), Duration.ofSeconds(2)), time.sleeps());
        assertEquals(4, gateway.requests().size());
    }

    @Test
    void withoutRetryAfterTheBackoffDoublesWithJitterUpToItsCap() {
        gateway.on("GET", "/v1/tasks/t1", Answer.problem(503, "unavailable", "Service Unavailable", "down"));
        RetryPolicy policy = RetryPolicy.DEFAULT.withMaxAttempts(5).withBackoff(Duration.ofMillis(400), Duration.ofMillis(1000));

        assertThrows(MetalApiException.class, () -> client(policy).task("t1"));

        List<Duration> sleeps = time.sleeps();
        long[] full = {400, 800, 1000, 1000};
        assertEquals(full.length, sleeps.size());
        for (int i = 0; i < full.length; i++) {
            long ms = sleeps.get(i).toMillis();
            assertTrue(ms >= full[i] / 2 && ms <= full[i], "wait " + i + " is " + ms + " ms, within [" + full[i] / 2 + ", " + full[i] + "]");
        }
    }

    @Test
    void givesUpAfterTheLastAttemptWithTheLastAnswer() {
        gateway.on("GET", "/v1/tasks/t1",
                Answer.problem(503, "unavailable", "Service Unavailable", "first").header("Retry-After", "1"),
                Answer.problem(429, "rate-limited", "Too Many Requests", "last").header("Retry-After", "4"));

        MetalApiException e = assertThrows(MetalApiException.class, () -> client(RetryPolicy.DEFAULT.withMaxAttempts(3)).task("t1"));

        assertEquals(3, e.attempts());
        assertEquals(429, e.status());
        assertEquals("last", e.detail());
        assertEquals(Optional.of(Duration.ofSeconds(4)), e.retryAfter());
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(4)), time.sleeps());
    }

    @Test
    void aWaitBeyondTheTotalTimeIsNotWaited() {
        gateway.on("GET", "/v1/tasks/t1",
                Answer.problem(429, "task-quota", "Too Many Requests", "quota").header("Retry-After", "5"),
                Answer.problem(429, "task-quota", "Too Many Requests", "quota").header("Retry-After", "30"));
        RetryPolicy policy = RetryPolicy.DEFAULT.withMaxAttempts(10).withMaxTotal(Duration.ofSeconds(20));

        MetalApiException e = assertThrows(MetalApiException.class, () -> client(policy).task("t1"));

        assertEquals(2, e.attempts(), "5 s fit in 20, 5 + 30 do not");
        assertEquals(List.of(Duration.ofSeconds(5)), time.sleeps());
        assertEquals(Optional.of(Duration.ofSeconds(30)), e.retryAfter(), "the caller learns when it may try again");
    }

    @Test
    void anHttpDateRetryAfterIsTheTimeUntilThatDate() {
        String inThreeSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(3));
        gateway.on("GET", "/v1/tasks/t1",
                Answer.problem(503, "unavailable", "Service Unavailable", "x").header("Retry-After", inThreeSeconds),
                Answer.json(200, READY));

        client(RetryPolicy.DEFAULT).task("t1");

        long ms = time.sleeps().get(0).toMillis();
        assertTrue(ms > 1000 && ms <= 3000, "waited " + ms + " ms for a date 3 s ahead (whole seconds)");
    }

    @Test
    void errorsThatRetryingCannotMendAreNotRetried() {
        for (int status : new int[] {400, 401, 404, 409, 413, 422, 500}) {
            gateway.on("POST", "/v1/tasks", Answer.problem(status, "x", "X", "no").header("Retry-After", "1"));
            int before = gateway.requests().size();
            MetalApiException e = assertThrows(MetalApiException.class,
                    () -> client(RetryPolicy.DEFAULT).register(TaskRequest.of(List.of(Example.of("a", "b")))));
            assertEquals(status, e.status());
            assertEquals(1, gateway.requests().size() - before, status + " is sent once");
        }
        assertEquals(List.of(), time.sleeps());
    }

    @Test
    void theRetriedStatusesAreThePolicys() {
        gateway.on("GET", "/v1/tasks/t1", Answer.problem(500, "bug", "Internal Server Error", "x"), Answer.json(200, READY));
        RetryPolicy policy = RetryPolicy.DEFAULT.withStatuses(java.util.Set.of(500)).withBackoff(Duration.ZERO, Duration.ZERO);
        assertEquals("t1", client(policy).task("t1").id());
        assertEquals(2, gateway.requests().size());
    }

    @Test
    void theSystemClockReallyWaits() {
        gateway.on("GET", "/v1/tasks/t1",
                Answer.problem(503, "unavailable", "Service Unavailable", "x").header("Retry-After", "1"),
                Answer.json(200, READY));
        long start = System.nanoTime();
        gateway.client(RetryPolicy.DEFAULT).build().task("t1");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 1000, "waited " + ms + " ms");
    }
}
