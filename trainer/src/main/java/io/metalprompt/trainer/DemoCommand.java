package io.metalprompt.trainer;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import io.metalprompt.client.Example;
import io.metalprompt.client.MetalClient;
import io.metalprompt.client.TaskRequest;
import io.metalprompt.client.TaskView;
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
 * gateway, waits until its prompt is ready, predicts its test inputs, and prints accuracy and latency. It calls the
 * gateway through the Java client ({@code client/}), so it retries as the client does (429, 503, 504 after
 * {@code Retry-After}) and a refusal ends it with the gateway's problem details.
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
        MetalClient client = MetalClient.builder(URI.create(gateway), apiKey).requestTimeout(timeout).build();
        String id = register(client, train);
        predict(client, id, test.subList(0, Math.min(limit, test.size())));
        return CliErrors.OK;
    }

    /** Registers the task's examples and waits until its prompt is ready; returns its id. */
    private String register(MetalClient client, List<TaskExample> train) {
        TaskRequest request = TaskRequest.of(train.stream().map(e -> Example.of(e.input(), e.output())).toList())
                .withOptions(train.get(0).options()).withDesign(design.name()).withDemonstrations(demonstrations);
        long t0 = System.nanoTime();
        String id = client.register(request).id();
        TaskView ready = client.awaitReady(id, timeout);
        spec.commandLine().getOut().printf(Locale.ROOT, "task %s (%s, %d examples, design %s) ready in %.2f s; prompt: %s%n", id, task,
                train.size(), design, (System.nanoTime() - t0) / 1e9,
                ready.promptText() == null ? "(" + ready.k() + " soft positions)" : ready.promptText());
        return id;
    }

    /** Predicts {@code test} in calls of --batch inputs; prints accuracy and latency per call. */
    private void predict(MetalClient client, String id, List<TaskExample> test) {
        int correct = 0;
        List<Double> latencies = new ArrayList<>();
        for (int from = 0; from < test.size(); from += batch) {
            List<TaskExample> chunk = test.subList(from, Math.min(test.size(), from + batch));
            long s = System.nanoTime();
            List<String> choices = client.predict(id, chunk.stream().map(TaskExample::input).toList()).choices();
            latencies.add((System.nanoTime() - s) / 1e6);
            for (int i = 0; i < chunk.size(); i++) {
                if (chunk.get(i).output().equals(choices.get(i))) {
                    correct++;
                }
            }
        }
        double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        spec.commandLine().getOut().printf(Locale.ROOT, "predicted %d test inputs in calls of %d: accuracy %.3f; latency per call p50 %.1f ms, p99 %.1f ms%n",
                test.size(), batch, (double) correct / test.size(), percentile(sorted, 0.5), percentile(sorted, 0.99));
    }

    private static double percentile(double[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }
}
