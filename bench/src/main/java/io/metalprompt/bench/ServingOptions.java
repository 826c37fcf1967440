package io.metalprompt.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@link ServingBench}'s command line (bench/README.md lists the options). */
final class ServingOptions {

    static final String USAGE = "ServingBench [--root DIR] [--gateway URL --redis URL [--gateway-management URL] [--worker-management URL]] [--task dev_000] [--seed 100]"
            + " [--k 16] [--requests 2000] [--warmup 64] [--system-warmup 3000] [--settle 0.05] [--settle-rounds 20] [--concurrency 1,8,32] [--batch-runs 21]"
            + " [--threads 2] [--icl true] [--header NAME:VALUE]... [--out docs/benchmarks.md | --out none]";

    Path root = Path.of(System.getProperty("metalprompt.root", "."));
    String gateway;
    /** The services' management interfaces (their /q/metrics), for the stage columns; none: those columns stay empty. */
    String gatewayManagement;
    String workerManagement;
    String redis = "redis://127.0.0.1:16379";
    String task = "dev_000";
    int seed = 100;
    int k = 16;
    int requests = 2000;
    int warmup = 64;
    int systemWarmup = 3000;
    /** After the system warm-up, rounds go on until the JIT compilers take less than this share of a round's CPU (0: off). */
    double settle = 0.05;
    int settleRounds = 20;
    int[] concurrency = {1, 8, 32};
    int batchRuns = 21;
    int threads = 2;
    /** Whether cells (and the system warm-up) also send inputs with the demonstrations in front; --icl false: prompt cells only. */
    boolean icl = true;
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

    /** A cell's timed requests with the demonstrations in front: a tenth of the prompt ones, at least 64. */
    int iclRequests() {
        return Math.max(64, requests / 10);
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
            case "--settle" -> settle = Double.parseDouble(v);
            case "--settle-rounds" -> settleRounds = Integer.parseInt(v);
            case "--concurrency" -> concurrency = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
            case "--batch-runs" -> batchRuns = Integer.parseInt(v);
            case "--threads" -> threads = Integer.parseInt(v);
            case "--icl" -> icl = Boolean.parseBoolean(v);
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
