package io.metalprompt.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.metalprompt.tasks.TaskExample;

/** The gateway's public API as a client uses it: register a task and wait until it is ready, then predict. */
final class GatewayClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String gateway;
    private final Map<String, String> headers;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** {@code headers}: sent with every call (the API key among them). */
    GatewayClient(String gateway, Map<String, String> headers) {
        this.gateway = gateway;
        this.headers = headers;
    }

    String url() {
        return gateway;
    }

    /** Registers a PREFIX task of {@code train}'s examples, no XL demonstrations; returns its id once it is ready. */
    String register(List<TaskExample> train) throws Exception {
        String id = submit(train);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            HttpRequest.Builder get = HttpRequest.newBuilder(URI.create(gateway + "/v1/tasks/" + id)).GET();
            headers.forEach(get::header);
            JsonNode status = JSON.readTree(http.send(get.build(), HttpResponse.BodyHandlers.ofString()).body());
            switch (status.path("status").asText()) {
                case "ready" -> {
                    return id;
                }
                case "pending" -> Thread.sleep(100);
                default -> throw new IllegalStateException("task " + id + " did not become ready: " + status);
            }
        }
        throw new IllegalStateException("task " + id + " not ready within 120 s");
    }

    /** Registers a PREFIX task of {@code train}'s examples, no XL demonstrations; returns its id once accepted (202). */
    String submit(List<TaskExample> train) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        var examples = body.putArray("examples");
        train.forEach(e -> examples.addObject().put("input", e.input()).put("output", e.output()));
        train.get(0).options().forEach(body.putArray("options")::add);
        body.put("design", "PREFIX").put("demonstrations", 0);
        HttpResponse<String> created = post("/v1/tasks", JSON.writeValueAsString(body));
        if (created.statusCode() != 202) {
            throw new IllegalStateException("registration refused: " + created.statusCode() + " " + created.body());
        }
        return JSON.readTree(created.body()).path("id").asText();
    }

    /** Predictions of task {@code taskId} through the gateway, as a {@link ServingPath}. */
    ServingPath path(String taskId) {
        return inputs -> predict(taskId, inputs);
    }

    /** The chosen option of each input, by task {@code taskId} through the gateway. */
    List<String> predict(String taskId, List<String> inputs) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        inputs.forEach(body.putArray("inputs")::add);
        HttpResponse<String> r = post("/v1/tasks/" + taskId + "/predictions", JSON.writeValueAsString(body));
        if (r.statusCode() != 200) {
            throw new IllegalStateException("prediction failed: " + r.statusCode() + " " + r.body()
                    + (r.statusCode() == 413 ? " (raise METAL_GATEWAY_MAX_INPUT_CHARS for the ICL inputs)" : ""));
        }
        List<String> choices = new ArrayList<>();
        JSON.readTree(r.body()).path("predictions").forEach(p -> choices.add(p.path("choice").asText()));
        return choices;
    }

    private HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
