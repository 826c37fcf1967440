package io.metalprompt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.metalprompt.client.Example;
import io.metalprompt.client.MetalClient;
import io.metalprompt.client.PredictionResponse;
import io.metalprompt.client.Quality;
import io.metalprompt.client.TaskRequest;
import io.metalprompt.client.Version;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.testing.ProjectPaths;
import io.metalprompt.testing.TestInfrastructure;

/**
 * The shared fixtures of the end-to-end tests that run the shipped models ({@code models/base-lm},
 * {@code models/pgm}) on the development tasks of {@code data/tasks.zip}: the services' settings, a task's k-shot
 * examples and test split, a task's served accuracy through the gateway, and {@code metal eval} on the same examples.
 */
final class DevTasks {

    /** Inputs per prediction call when a whole test split is sent (the gateway's limit is 64, and 1,024 scores). */
    static final int INPUTS_PER_CALL = 50;

    private DevTasks() {
    }

    /** One development task as {@code metal eval} reads it: the {@code <task>_16_<seed>_train.jsonl} examples and the test split. */
    record DevTask(String name, int seed, List<TaskExample> train, List<TaskExample> test) {

        List<String> options() {
            return train.get(0).options();
        }

        List<String> testInputs() {
            return test.stream().map(TaskExample::input).toList();
        }

        /**
         * The registration of these examples as a PREFIX task with {@code xl} demonstrations, the task's options in the
         * file's order (as {@code eval} scores them), and its test split as the validation examples.
         */
        TaskRequest request(int xl) {
            return TaskRequest.of(examples(train)).withOptions(options()).withDesign("PREFIX").withDemonstrations(xl)
                    .withValidation(examples(test));
        }

        private static List<Example> examples(List<TaskExample> examples) {
            return examples.stream().map(e -> Example.of(e.input(), e.output())).toList();
        }
    }

    static DevTask load(String name, int seed) throws IOException {
        try (TaskRoot root = TaskRoot.open(tasksZip())) {
            Path dev = root.resolve("dev");
            return new DevTask(name, seed, TaskLoader.loadFewShot(dev, name, 16, seed), TaskLoader.loadTest(dev, name));
        }
    }

    static Path tasksZip() {
        return ProjectPaths.root().resolve("data/tasks.zip");
    }

    /**
     * The environment of the three services on the test infrastructure with the shipped models (the services' own
     * defaults, given as absolute paths because the services run in {@code e2e-tests/}), plus {@code extra}.
     */
    static Map<String, String> shippedModelsEnv(Map<String, String> extra) {
        TestInfrastructure infra = TestInfrastructure.get();
        Map<String, String> env = new HashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrap(),
                "METAL_REDIS_URL", infra.redisUrl(),
                "METAL_MODEL_BASE", ProjectPaths.root().resolve("models/base-lm").toString(),
                "METAL_MODEL_PGM", ProjectPaths.root().resolve("models/pgm").toString()));
        env.putAll(extra);
        return env;
    }

    /** A task's accuracy as served: its test inputs predicted through the gateway, every answer by {@code version}. */
    static double servedAccuracy(MetalClient client, String id, DevTask task, int version) {
        int correct = 0;
        for (int from = 0; from < task.test().size(); from += INPUTS_PER_CALL) {
            List<TaskExample> chunk = task.test().subList(from, Math.min(task.test().size(), from + INPUTS_PER_CALL));
            PredictionResponse answer = client.predict(id, chunk.stream().map(TaskExample::input).toList());
            assertEquals(version, answer.version(), "answered by prompt version " + version);
            correct += correct(chunk, answer.choices());
        }
        return (double) correct / task.test().size();
    }

    /** How many of {@code choices} are the outputs of {@code examples}, position by position. */
    static int correct(List<TaskExample> examples, List<String> choices) {
        int correct = 0;
        for (int i = 0; i < examples.size(); i++) {
            if (examples.get(i).output().equals(choices.get(i))) {
                correct++;
            }
        }
        return correct;
    }

    /** Version {@code number} of the task once its quality report is there (scored after the version is stored). */
    static Version awaitScored(MetalClient client, String id, int number, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Version v = client.task(id).versions().stream().filter(x -> x.number() == number).findFirst().orElse(null);
            if (v != null && v.quality() != null) {
                return v;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("task " + id + ": version " + number + " has no quality report within " + timeout
                        + ": " + v);
            }
            Thread.sleep(200);
        }
    }

    /** What {@code metal eval} prints for one task: macro-F1 and accuracy at four decimals. */
    record Printed(String macroF1, String accuracy) {

        /** A report's figures as {@code eval} prints them. */
        static Printed of(double macroF1, double accuracy) {
            return new Printed(String.format(Locale.ROOT, "%.4f", macroF1), String.format(Locale.ROOT, "%.4f", accuracy));
        }

        static Printed ofModel(Quality q) {
            return of(q.macroF1(), q.accuracy());
        }

        static Printed ofIcl(Quality q) {
            return of(q.iclMacroF1(), q.iclAccuracy());
        }
    }

    /**
     * {@code metal eval} (the packaged trainer) of {@code task} alone, its seed's 16 examples, the shipped base LM and
     * {@code method} with {@code options}; the task's line of its output.
     */
    static Printed eval(DevTask task, String method, String... options) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(ProjectPaths.root().resolve("e2e-tests/target"), "eval-");
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"train\": [], \"test\": [\"" + task.name() + "\"]}");
        List<String> args = new ArrayList<>(List.of("eval", "--model", ProjectPaths.root().resolve("models/base-lm").toString(),
                "--tasks", tasksZip().toString(), "--config", config.toString(), "--method", method,
                "--k", "16", "--seeds", Integer.toString(task.seed()), "--out", dir.resolve(method + ".json").toString()));
        args.addAll(List.of(options));
        Pattern line = Pattern.compile(Pattern.quote(task.name()) + ": macro-F1 (\\d\\.\\d{4}) accuracy (\\d\\.\\d{4})");
        List<String> output = MetalCli.run(args.toArray(String[]::new));
        for (String l : output) {
            Matcher m = line.matcher(l.strip());
            if (m.matches()) {
                return new Printed(m.group(1), m.group(2));
            }
        }
        throw new AssertionError("metal eval printed no line for " + task.name() + ":\n" + String.join("\n", output));
    }
}
