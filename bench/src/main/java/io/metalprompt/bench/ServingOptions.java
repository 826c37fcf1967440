package io.metalprompt.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@link ServingBench}'s command line (bench/README.md lists the options). */
final class ServingOptions {

    static final String USAGE = "ServingBench [--root DIR] [--gateway URL --redis URL [--gateway-management URL] [--worker-management URL]] [--task dev_000] [--seed 100]"
            + " [--k 16] [--requests 320] [--warmup 64] [--system-warmup 3000] [--concurrency 1,8,32] [--batch-runs 21]"
            + " [--threads 2] [--header NAME:VALUE]... [--out docs/benchmarks.md | --out none]";

    Path root = Path.of(System.getProperty("metalprompt.root", "."));
    String gateway;
    /** The services' management interfaces (their /q/metrics), for the stage columns; none: those columns stay empty. */
    String gatewayManagement;
    String workerManagement;
    String redis = "redis://127.0.0.1:16379";
    String task = "dev_000";
    int seed = 100;
    int k = 16;
    int requests = 320;
    int warmup = 64;
    int systemWarmup = 3000;
    int[] concurrency = {1, 8, 32};
    int batchRuns = 21;
    int threads = 2;
    Path out;
    final Map<String, String> headers = new LinkedHashMap<>();

    /** The options of {@code args}; {@code --help} prints the usage and exits. */
    static ServingOptions parse(String[] args) {
        ServingOptions o = new ServingOptions();
        CommandLine.parse(args, USAGE, o::set);
        o.root = o.root.toAbsolutePath().normalize();
        if (o.out == null && Arrays.stream(args).noneMatch("--out"::equals)) {
            o.out = o.root.resolve("docs/benchmarks.md");
        }
        return o;
    }

    /** The system warm-up's requests with the demonstrations in front, per path: a tenth of the prompt ones. */
    int systemWarmupIcl() {
        return Math.max(1, systemWarmup / 10);
    }

    private void set(String option, String v) {
        switch (option) {
            case "--root" -> root = Path.of(v);
            case "--gateway" -> gateway = v.replaceAll("/+$", "");
            case "--gateway-management" -> gatewayManagement = v.replaceAll("/+$", "");
            case "--worker-management" -> workerManagement = v.replaceAll("/+$", "");
            case "--redis" -> redis = v;
            case "--task" -> task = v;
            case "--seed" -> seed = Integer.parseInt(v);
            case "--k" -> k = Integer.parseInt(v);
            case "--requests" -> requests = Integer.parseInt(v);
            case "--warmup" -> warmup = Integer.parseInt(v);
            case "--system-warmup" -> systemWarmup = Integer.parseInt(v);
            case "--concurrency" -> concurrency = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
            case "--batch-runs" -> batchRuns = Integer.parseInt(v);
            case "--threads" -> threads = Integer.parseInt(v);
            case "--header" -> {
                int colon = v.indexOf(':');
                if (colon <= 0) {
                    throw new IllegalArgumentException("--header takes NAME:VALUE, got " + v);
                }
                headers.put(v.substring(0, colon).strip(), v.substring(colon + 1).strip());
            }
            case "--out" -> out = v.equals("none") ? null : Path.of(v);
            default -> throw new IllegalArgumentException("unknown option " + option + " (--help lists them)");
        }
    }
}
