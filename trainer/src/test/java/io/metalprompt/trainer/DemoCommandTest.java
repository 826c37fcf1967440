package io.metalprompt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.tasks.TestData;

/**
 * {@code metal demo} against a stand-in gateway (the JDK's HTTP server): it registers the task's examples, waits for
 * the prompt, predicts the test inputs and prints the accuracy of the answers it got; a refusal ends it as a failed
 * run with the gateway's problem in one line.
 */
class DemoCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final List<JsonNode> registrations = new CopyOnWriteArrayList<>();
    private final List<String> idempotencyKeys = new CopyOnWriteArrayList<>();
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicInteger predictionCalls = new AtomicInteger();
    private volatile boolean refuseKey;

    DemoCommandTest() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/tasks", this::handle);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    /** Registers, is pending once then ready, answers every input with the task's first option (after one 503). */
    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        byte[] sent = ex.getRequestBody().readAllBytes();
        JsonNode body = sent.length == 0 ? JSON.createObjectNode() : JSON.readTree(sent);
        if (refuseKey) {
            send(ex, 401, "application/problem+json", "{\"type\":\"urn:metal-prompt:problem:unauthorized\",\"title\":\"Unauthorized\","
                    + "\"status\":401,\"detail\":\"the API key is unknown or revoked\"}");
        } else if (path.equals("/v1/tasks")) {
            registrations.add(body);
            idempotencyKeys.add(ex.getRequestHeaders().getFirst("Idempotency-Key"));
            send(ex, 202, "application/json", "{\"id\":\"t1\",\"status\":\"pending\",\"statusUrl\":\"/v1/tasks/t1\"}");
        } else if (path.equals("/v1/tasks/t1")) {
            String status = reads.incrementAndGet() == 1 ? "pending" : "ready";
            send(ex, 200, "application/json", "{\"id\":\"t1\",\"status\":\"" + status + "\",\"k\":16}");
        } else if (path.equals("/v1/tasks/t1/predictions")) {
            if (predictionCalls.incrementAndGet() == 1) {
                ex.getResponseHeaders().add("Retry-After", "0");
                send(ex, 503, "application/problem+json", "{\"title\":\"Service Unavailable\",\"status\":503}");
                return;
            }
            ObjectNode answer = JSON.createObjectNode().put("taskId", "t1");
            String first = registrations.get(0).path("options").get(0).asText();
            body.path("inputs").forEach(i -> answer.withArray("predictions").addObject().put("input", i.asText()).put("choice", first));
            send(ex, 200, "application/json", JSON.writeValueAsString(answer));
        } else {
            send(ex, 404, "application/problem+json", "{\"title\":\"Not Found\",\"status\":404}");
        }
    }

    private void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private MetalCli.Run demo() {
        return MetalCli.run("demo", "--gateway", "http://127.0.0.1:" + server.getAddress().getPort(), "--api-key", "k-test",
                "--tasks", TestData.tasksZip().toString(), "--task", "dev_000", "--limit", "10", "--batch", "4");
    }

    @Test
    void registersWaitsPredictsAndPrintsTheAccuracyOfTheAnswers() throws Exception {
        List<TaskExample> train;
        List<TaskExample> test;
        try (TaskRoot root = TaskRoot.open(TestData.tasksZip())) {
            train = TaskLoader.loadFewShot(root.resolve("dev"), "dev_000", 16, 100);
            test = TaskLoader.loadTest(root.resolve("dev"), "dev_000").subList(0, 10);
        }
        MetalCli.Run run = demo();

        assertEquals(CliErrors.OK, run.code(), run.err());
        JsonNode registered = registrations.get(0);
        assertEquals(16, registered.path("examples").size());
        assertEquals(train.get(0).input(), registered.path("examples").get(0).path("input").asText());
        assertEquals("PREFIX", registered.path("design").asText());
        assertNotNull(idempotencyKeys.get(0), "the client keys the registration");
        assertTrue(reads.get() >= 2, "waited while pending");
        assertEquals(1 + 3, predictionCalls.get(), "10 inputs in calls of 4, the first call retried after its 503");
        String first = train.get(0).options().get(0);
        double accuracy = test.stream().filter(e -> e.output().equals(first)).count() / 10.0;
        assertTrue(run.out().contains("task t1 (dev_000, 16 examples, design PREFIX) ready in "), run.out());
        assertTrue(run.out().contains(String.format(Locale.ROOT, "predicted 10 test inputs in calls of 4: accuracy %.3f;", accuracy)), run.out());
    }

    @Test
    void aRefusedKeyIsAFailedRunWithTheProblemInOneLine() {
        refuseKey = true;
        MetalCli.Run run = demo();
        assertEquals(CliErrors.FAILED, run.code());
        assertEquals("metal demo: failed: POST /v1/tasks: 401 Unauthorized: the API key is unknown or revoked "
                + "(urn:metal-prompt:problem:unauthorized)", run.err().strip());
        assertFalse(run.err().contains("\tat "));
    }
}
