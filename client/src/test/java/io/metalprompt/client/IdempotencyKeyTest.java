package io.metalprompt.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.metalprompt.client.FakeGateway.Answer;

/**
 * Every attempt of one call carries the same {@code Idempotency-Key}, the caller's or one made for that call, so a
 * retried registration, addition of examples or prediction is done once by the gateway.
 */
class IdempotencyKeyTest {

    private static final TaskRequest TASK = TaskRequest.of(List.of(Example.of("a happy dog", "good")));
    private static final String ACCEPTED = "{\"id\":\"t1\",\"status\":\"pending\",\"statusUrl\":\"/v1/tasks/t1\"}";

    private final FakeGateway gateway;

    IdempotencyKeyTest() throws Exception {
        gateway = new FakeGateway();
    }

    @AfterEach
    void close() {
        gateway.close();
    }

    private MetalClient client() {
        return gateway.client(RetryPolicy.DEFAULT).time(new FakeTime()).build();
    }

    private List<String> keysSent() {
        return gateway.requests().stream().map(r -> r.header("Idempotency-Key")).toList();
    }

    @Test
    void theRetriesOfOneCallCarryTheKeyMadeForIt() {
        gateway.on("POST", "/v1/tasks",
                Answer.problem(503, "unavailable", "Service Unavailable", "Kafka").header("Retry-After", "1"),
                Answer.problem(504, "timeout", "Gateway Timeout", "x").header("Retry-After", "1"),
                Answer.json(202, ACCEPTED));

        assertEquals("t1", client().register(TASK).id());

        List<String> keys = keysSent();
        assertEquals(3, keys.size());
        assertNotNull(keys.get(0));
        assertEquals(List.of(keys.get(0), keys.get(0), keys.get(0)), keys);
    }

    @Test
    void eachCallHasAKeyOfItsOwn() {
        gateway.on("POST", "/v1/tasks", Answer.json(202, ACCEPTED));
        MetalClient client = client();
        client.register(TASK);
        client.register(TASK);
        assertNotEquals(keysSent().get(0), keysSent().get(1), "two calls are two registrations");
    }

    @Test
    void theCallersKeyIsSentOnEveryAttempt() {
        gateway.on("POST", "/v1/tasks/t1/predictions",
                Answer.problem(429, "rate-limited", "Too Many Requests", "x").header("Retry-After", "1"),
                Answer.json(200, "{\"taskId\":\"t1\",\"predictions\":[]}"));
        gateway.on("POST", "/v1/tasks/t1/examples",
                Answer.problem(503, "unavailable", "Service Unavailable", "x").header("Retry-After", "1"),
                Answer.json(202, "{\"id\":\"t1\",\"version\":2,\"statusUrl\":\"/v1/tasks/t1\"}"));
        MetalClient client = client();

        client.predict("t1", List.of("x"), "order-42-predict");
        client.addExamples("t1", ExamplesRequest.of(List.of(Example.of("a", "b"))), "order-42-examples");

        assertEquals(List.of("order-42-predict", "order-42-predict", "order-42-examples", "order-42-examples"), keysSent());
    }

    @Test
    void aConflictOnARetryIsTheFirstAttemptStillRunningAndIsWaitedFor() {
        // the first attempt timed out here but runs on at the gateway; its answer is replayed once it is done
        gateway.on("POST", "/v1/tasks",
                Answer.json(202, ACCEPTED).after(Duration.ofMillis(1500)),
                Answer.problem(409, "idempotency-in-progress", "Conflict", "the first call is running").header("Retry-After", "1"),
                Answer.json(202, ACCEPTED).header("Idempotent-Replayed", "true"));
        MetalClient client = gateway.client(RetryPolicy.DEFAULT).time(new FakeTime())
                .requestTimeout(Duration.ofMillis(300)).build();

        assertEquals("t1", client.register(TASK).id());
        List<String> keys = keysSent();
        assertEquals(3, keys.size());
        assertEquals(1, keys.stream().distinct().count());
    }

    @Test
    void callsThatAreNotKeyedCarryNoKey() {
        gateway.on("GET", "/v1/tasks/t1", Answer.json(200, "{\"id\":\"t1\",\"status\":\"ready\"}"));
        gateway.on("DELETE", "/v1/tasks/t1", Answer.noContent());
        gateway.on("POST", "/v1/tasks/t1/refine", Answer.json(202, "{\"id\":\"t1\",\"version\":3}"));
        MetalClient client = client();
        client.task("t1");
        client.delete("t1");
        client.refine("t1", Refinement.steps(50));
        keysSent().forEach(k -> assertNull(k));
    }

    @Test
    void aKeyTheGatewayWouldRefuseIsRefusedBeforeSending() {
        MetalClient client = client();
        for (String bad : new String[] {"", "has space", "é", "x".repeat(256)}) {
            assertThrows(IllegalArgumentException.class, () -> client.register(TASK, bad), bad);
        }
        assertEquals(0, gateway.requests().size());
    }
}
