package io.metalprompt.bench;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;

/**
 * Cost against scale (issue 18, item 4): p50/p99 and throughput through the gateway (a) as the number of ready tasks
 * grows (10, 1,000, 10,000; requests spread over them by a Zipf law; the worker's prefix cache smaller than the working
 * set), (c) as clients grow (1, 8, 32, 64; every client count at every task count), and (b) as examples per task grow
 * (16, 64, 128: generation time with iterative PGM passes, then serving). Writes its tables into docs/benchmarks.md
 * (between the {@code ScaleBench:begin/end} markers) and its charts into docs/bench/. Not a test: timings depend on the
 * machine and on whatever else runs on it.
 *
 * <p>One local system for the whole run ({@link LocalSystem}, the worker's {@code metal.serving.cache-bytes} set by
 * {@code --cache-bytes}); the tasks grow step by step ({@link ScaleTasks}: through the gateway up to
 * {@code --gateway-tasks}, seeded through the store beyond); each cell is a {@link ZipfLoad}; the examples part is
 * {@link ExamplesScale}; {@link ScaleReport} and {@link ScaleCharts} write the results. See bench/README.md.
 */
public final class ScaleBench {

    /** Examples per task of the tasks that parts (a) and (c) serve. */
    static final int GRID_EXAMPLES = 16;

    private ScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        ScaleOptions o = ScaleOptions.parse(args);
        Instant started = Instant.now();
        String loadBefore = Machine.loadAverage();
        List<List<TaskExample>> gridSets = new ArrayList<>();
        List<List<String>> inputs = new ArrayList<>();
        List<List<List<TaskExample>>> setsByK = new ArrayList<>();
        try (TaskRoot data = TaskRoot.open(o.taskData)) {
            Path dev = data.resolve("dev");
            List<String> devTasks = TaskLoader.listTasks(dev);
            for (String task : devTasks) {
                gridSets.add(TaskLoader.loadFewShot(dev, task, GRID_EXAMPLES, o.seed));
                inputs.add(TaskLoader.loadTest(dev, task).stream().map(TaskExample::input).toList());
            }
            for (int k : o.examples) {
                setsByK.add(devTasks.stream().map(t -> TaskLoader.loadFewShot(dev, t, k, o.seed)).toList());
            }
        }
        List<ZipfLoad.Result> grid = new ArrayList<>();
        List<ExamplesScale.Served> served = new ArrayList<>();
        ScaleTasks tasks;
        long prefixBytes;
        MissCost.Result miss;
        String pgmVersion;
        LocalSystem system = LocalSystem.start(o.root, o.threads, Map.of(
                "METAL_SERVING_CACHE_BYTES", Long.toString(o.cacheBytes),
                "METAL_GATEWAY_QUOTA_MAX_TASKS", "1000000"));
        try {
            try (GatewayClient gateway = new GatewayClient(system.gateway(),
                    Map.of("Authorization", "Bearer " + system.createApiKey("scale")));
                 PromptEventClock events = PromptEventClock.start(system.kafka())) {
                tasks = new ScaleTasks(gateway, events, system.redis(), gridSets, o.gatewayTasks);
                try {
                    grid.addAll(grid(o, system, gateway, tasks, inputs));
                    pgmVersion = tasks.pgmVersion();
                    MetricSums worker = MetricSums.scrape(HttpClient.newHttpClient(), system.workerManagement());
                    prefixBytes = Math.round(worker.value(MetricSums.Sample.CACHE_BYTES)
                            / worker.value(MetricSums.Sample.CACHE_ENTRIES));
                    miss = o.missTasks <= 0 ? null : MissCost.measure(o.root, system.redis(), tasks.ids(), o.missTasks);
                    for (int i = 0; i < o.examples.length; i++) {
                        served.add(ExamplesScale.served(o.examples[i], setsByK.get(i), inputs, gateway, events, system, o));
                    }
                } finally {
                    tasks.close();
                }
            }
        } finally {
            system.stop();
        }
        List<ExamplesScale.Generated> generated = o.examples.length == 0 ? List.of()
                : ExamplesScale.generated(o.root, o.examples, setsByK, o.generationRuns);
        ScaleReport.Setup setup = new ScaleReport.Setup(command(args), started, Instant.now(), loadBefore,
                Machine.loadAverage(), Machine.gitCommit(o.root), pgmVersion, prefixBytes,
                prefixBytes > 0 ? (int) (o.cacheBytes / prefixBytes) : 0, tasks.viaGateway(), tasks.gatewaySeconds(),
                tasks.viaStore(), tasks.storeSeconds(), gridSets.size(), o.charts != null);
        ScaleReport report = new ScaleReport(o);
        String text = report.render(setup, grid, miss, served, generated);
        System.out.println(text);
        if (o.charts != null) {
            ScaleCharts.write(o.charts, grid, served, generated, n -> report.bestHitRate(setup, n));
        }
        if (o.out != null) {
            MarkedSection.write(o.out, "ScaleBench", text);
            ServingBench.log("wrote " + o.out);
        }
        ServingBench.log(String.format("done in %.1f min", Duration.between(started, Instant.now()).toMillis() / 60000.0));
    }

    /** Parts (a) and (c): for each number of ready tasks (growing the system to it), each client count. */
    private static List<ZipfLoad.Result> grid(ScaleOptions o, LocalSystem system, GatewayClient gateway, ScaleTasks tasks,
                                              List<List<String>> inputs) throws Exception {
        List<ZipfLoad.Result> out = new ArrayList<>();
        boolean first = true;
        for (int n : o.tasks) {
            tasks.growTo(n);
            tasks.checkSeeded(inputs);
            ZipfLoad load = new ZipfLoad(gateway, system.gatewayManagement(), system.workerManagement(), tasks.ids(),
                    tasks::set, inputs, o.zipf, n);
            long t0 = System.nanoTime();
            if (first) {
                load.drive(8, o.systemWarmup, 1);
                first = false;
            }
            load.drive(8, o.cacheWarmup, 2);
            ServingBench.log(String.format("%d tasks: warm-up took %.0f s", n, (System.nanoTime() - t0) / 1e9));
            for (int c : o.clients) {
                out.add(load.measure(c, o.warmup, o.requests, 1000L * n + c));
            }
        }
        return out;
    }

    /** How to run this again: the Maven line with this run's arguments. */
    private static String command(String[] args) {
        List<String> given = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--root")) {
                i++;
            } else {
                given.add(args[i]);
            }
        }
        return "./mvnw -B -pl bench -am package -DskipTests -Dbench.main=io.metalprompt.bench.ScaleBench -Dbench.threads="
                + System.getProperty("ai.djl.pytorch.num_threads", "2")
                + (given.isEmpty() ? "" : " -Dbench.args=\"" + String.join(" ", given) + "\"");
    }
}
