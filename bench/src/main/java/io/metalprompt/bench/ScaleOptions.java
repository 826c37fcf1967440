package io.metalprompt.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** {@link ScaleBench}'s command line (bench/README.md lists the options). */
final class ScaleOptions {

    static final String USAGE = "ScaleBench [--root DIR] [--tasks 10,1000,10000] [--clients 1,8,32,64] [--examples 16,64,128]"
            + " [--zipf 1.0] [--cache-bytes 33554432] [--gateway-tasks 1000] [--requests 1500] [--warmup 100]"
            + " [--system-warmup 3000] [--cache-warmup 2000] [--examples-clients 8] [--generation-runs 5] [--miss-tasks 200] [--threads 1]"
            + " [--seed 100] [--task-data DIR] [--out docs/benchmarks.md | --out none] [--charts docs/bench | --charts none]";

    Path root = Path.of(System.getProperty("metalprompt.root", "."));
    /** Ready tasks of each step, ascending: the system grows from one to the next. */
    int[] tasks = {10, 1000, 10000};
    int[] clients = {1, 8, 32, 64};
    /** Examples per task of the generation part; empty: skip it. */
    int[] examples = {16, 64, 128};
    double zipf = 1.0;
    /** The worker's metal.serving.cache-bytes: 32 MiB holds about 510 prefixes of the shipped model and PGM. */
    long cacheBytes = 32L << 20;
    /** Tasks registered through the gateway at most; the rest are seeded through the store (see ScaleTasks). */
    int gatewayTasks = 1000;
    int requests = 1500;
    int warmup = 100;
    int systemWarmup = 3000;
    int cacheWarmup = 2000;
    int examplesClients = 8;
    int generationRuns = 5;
    /** Tasks whose prefix the harness builds with the worker's loader, to time a cache miss; 0: skip. */
    int missTasks = 200;
    int threads = 1;
    /** The few-shot seed of the examples registered ({@code <task>_<k>_<seed>_train.jsonl}). */
    int seed = 100;
    /** A MetaICL task tree with dev/ holding the 16-, 64- and 128-example files. */
    Path taskData;
    Path out;
    Path charts;

    /** The options of {@code args}; {@code --help} prints the usage and exits. */
    static ScaleOptions parse(String[] args) {
        ScaleOptions o = new ScaleOptions();
        CommandLine.parse(args, USAGE, o::set);
        o.root = o.root.toAbsolutePath().normalize();
        if (Arrays.stream(args).noneMatch("--out"::equals)) {
            o.out = o.root.resolve("docs/benchmarks.md");
        }
        if (Arrays.stream(args).noneMatch("--charts"::equals)) {
            o.charts = o.root.resolve("docs/bench");
        }
        if (o.taskData == null) {
            // ../shared/tasks holds the 64- and 128-example files; the shipped data/tasks.zip only the 16-example ones
            Path shared = o.root.resolveSibling("shared").resolve("tasks");
            o.taskData = Files.isDirectory(shared.resolve("dev")) ? shared : o.root.resolve("data/tasks.zip");
        }
        Arrays.sort(o.tasks);
        if (o.tasks.length == 0 || o.tasks[0] < 1) {
            throw new IllegalArgumentException("--tasks needs counts of at least 1");
        }
        return o;
    }

    private void set(String option, String v) {
        switch (option) {
            case "--root" -> root = Path.of(v);
            case "--tasks" -> tasks = ints(v);
            case "--clients" -> clients = ints(v);
            case "--examples" -> examples = v.equals("none") ? new int[0] : ints(v);
            case "--zipf" -> zipf = Double.parseDouble(v);
            case "--cache-bytes" -> cacheBytes = Long.parseLong(v);
            case "--gateway-tasks" -> gatewayTasks = Integer.parseInt(v);
            case "--requests" -> requests = Integer.parseInt(v);
            case "--warmup" -> warmup = Integer.parseInt(v);
            case "--system-warmup" -> systemWarmup = Integer.parseInt(v);
            case "--cache-warmup" -> cacheWarmup = Integer.parseInt(v);
            case "--examples-clients" -> examplesClients = Integer.parseInt(v);
            case "--generation-runs" -> generationRuns = Integer.parseInt(v);
            case "--miss-tasks" -> missTasks = Integer.parseInt(v);
            case "--threads" -> threads = Integer.parseInt(v);
            case "--seed" -> seed = Integer.parseInt(v);
            case "--task-data" -> taskData = Path.of(v);
            case "--out" -> out = v.equals("none") ? null : Path.of(v);
            case "--charts" -> charts = v.equals("none") ? null : Path.of(v);
            default -> throw new IllegalArgumentException("unknown option " + option + " (--help lists them)");
        }
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(s -> Integer.parseInt(s.strip())).toArray();
    }
}
