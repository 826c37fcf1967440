package io.metalprompt.trainer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.metalprompt.events.PromptDesign;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code metal demo}: what a client of the running system does — registers a task's k examples through the
 * gateway, waits until its prompt is ready, predicts its test inputs, and prints accuracy and latency.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Register a task through the gateway, wait until ready, predict its test inputs; print accuracy and latency.")
public class DemoCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--gateway", defaultValue = "http://127.0.0.1:18080", description = "the gateway's base URL (default ${DEFAULT-VALUE}, the local run's)") String gateway;
    @Option(names = "--tasks", defaultValue = "data/tasks.zip", description = "task tree (folder or zip) (default ${DEFAULT-VALUE})") Path tasks;
    @Option(names = "--task", defaultValue = "dev_000", description = "the task whose examples are registered and whose test inputs are predicted (default ${DEFAULT-VALUE})") String task;
    @Option(names = "--k", defaultValue = "16", description = "examples registered (the <task>_<k>_<seed>_train.jsonl file; default ${DEFAULT-VALUE})") int k;
    @Option(names = "--seed", defaultValue = "100", description = "seed of the examples' file (default ${DEFAULT-VALUE})") int seed;
    @Option(names = "--design", defaultValue = "PREFIX", description = "the prompt's design: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})") PromptDesign design;
    @Option(names = "--demonstrations", defaultValue = "0", description = "examples kept as XL demonstrations (default ${DEFAULT-VALUE})") int demonstrations;
    @Option(names = "--limit", defaultValue = "200", description = "test inputs to predict (default ${DEFAULT-VALUE})") int limit;
    @Option(names = "--batch", defaultValue = "16", description = "inputs per prediction call (default ${DEFAULT-VALUE})") int batch;
    @Option(names = "--timeout", defaultValue = "PT120S", description = "how long to wait for the task to be ready, and for each call (ISO-8601; default ${DEFAULT-VALUE})") Duration timeout;
    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:METAL_API_KEY}",
            description = "the tenant's API key (default: $METAL_API_KEY; prefer the variable: arguments show in ps)")
    String apiKey;

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Override
    public Integer call() throws Exception {
        if (apiKey == null || apiKey.isBlank()) {
            throw new ParameterException(spec.commandLine(),
                    "no API key: set METAL_API_KEY (or --api-key) to a key from 'metal keys create --tenant T'");
        }
        List<TaskExample> train;
        List<TaskExample> test;
        try (TaskRoot root = TaskRoot.open(tasks)) {
            Path dir = java.nio.file.Files.isDirectory(root.resolve("dev").resolve(task)) ? root.resolve("dev") : root.path();
            train = TaskLoader.loadFewShot(dir, task, k, seed);
            test = TaskLoader.loadTest(dir, task);
        }
        String id = register(train);
        predict(id, test.subList(0, Math.min(limit, test.size())));
        return CliErrors.OK;
    }

    /** Registers the task's examples and waits until its prompt is ready; returns its id. */
    private String register(List<TaskExample> train) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode examples = body.putArray("examples");
        train.forEach(e -> examples.addObject().put("input", e.input()).put("output", e.output()));
        train.get(0).options().forEach(body.putArray("options")::add);
        body.put("design", design.name()).put("demonstrations", demonstrations);
        long t0 = System.nanoTime();
        HttpResponse<String> created = post("/v1/tasks", body);
        if (created.statusCode() != 202) {
            throw new IllegalStateException("registration refused: " + created.statusCode() + " " + created.body());
        }
        String id = JSON.readTree(created.body()).path("id").asText();
        JsonNode status = waitReady(id);
        if (!"ready".equals(status.path("status").asText())) {
            throw new IllegalStateException("task " + id + " did not become ready: " + status);
        }
        System.out.printf(Locale.ROOT, "task %s (%s, %d examples, design %s) ready in %.2f s; prompt: %s%n", id, task,
                train.size(), design, (System.nanoTime() - t0) / 1e9,
                status.path("promptText").isMissingNode() ? "(" + status.path("k").asInt() + " soft positions)" : status.path("promptText").asText());
        return id;
    }

    /** Predicts {@code test} in calls of --batch inputs; prints accuracy and latency per call. */
    private void predict(String id, List<TaskExample> test) throws Exception {
        int correct = 0;
        List<Double> latencies = new ArrayList<>();
        for (int from = 0; from < test.size(); from += batch) {
            List<TaskExample> chunk = test.subList(from, Math.min(test.size(), from + batch));
            ObjectNode req = JSON.createObjectNode();
            chunk.forEach(e -> req.withArray("inputs").add(e.input()));
            long s = System.nanoTime();
            HttpResponse<String> answer = post("/v1/tasks/" + id + "/predictions", req);
            latencies.add((System.nanoTime() - s) / 1e6);
            if (answer.statusCode() != 200) {
                throw new IllegalStateException("prediction failed: " + answer.statusCode() + " " + answer.body());
            }
            JsonNode predictions = JSON.readTree(answer.body()).path("predictions");
            for (int i = 0; i < chunk.size(); i++) {
                if (chunk.get(i).output().equals(predictions.get(i).path("choice").asText())) {
                    correct++;
                }
            }
        }
        double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "predicted %d test inputs in calls of %d: accuracy %.3f; latency per call p50 %.1f ms, p99 %.1f ms%n",
                test.size(), batch, (double) correct / test.size(), percentile(sorted, 0.5), percentile(sorted, 0.99));
    }

    private JsonNode waitReady(String id) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway + "/v1/tasks/" + id))
                            .header("Authorization", "Bearer " + apiKey).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode node = JSON.readTree(r.body());
            if (!"pending".equals(node.path("status").asText()) || System.nanoTime() > deadline) {
                return node;
            }
            Thread.sleep(100);
        }
    }

    private HttpResponse<String> post(String path, JsonNode body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gateway + path)).timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + apiKey)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static double percentile(double[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }
}
