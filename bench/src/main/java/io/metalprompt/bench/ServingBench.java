package io.metalprompt.bench;

/**
 * Serving latency and throughput, printed as markdown and written into docs/benchmarks.md. Not a test: timings depend
 * on the machine and on whatever else runs on it.
 *
 * <p>One task (a development task's k examples, PREFIX design, no XL demonstrations) is registered through the
 * gateway. Then single-input requests are sent by 1, 8 and 32 concurrent clients (closed loop) along four paths:
 * through the gateway (HTTP, Kafka, the worker, Kafka back), and through the worker's own serving code called in this
 * JVM with the worker's batching rule ({@link InProcessWorker}: whatever requests wait, up to the worker's
 * {@code max.poll.records}, form one batch): the difference is the messaging overhead. Each path is run with the
 * task's prompt (the plain input) and as the ICL baseline (the k examples rendered as demonstrations in front of every
 * input, so they are processed with every request). Last, batches of 32 queries at the scorer the worker uses: behind
 * the cached prompt, with no context at all, and with the demonstrations in front (the goals: cached &lt;= 1.3x
 * no context, ICL &gt;= 5x cached).
 *
 * <p>By default the harness starts what it needs with deploy/local/start.sh ({@link LocalSystem}: free ports, its own
 * run folder under bench/target) and stops it after; {@code --gateway URL --redis URL} use a running system instead.
 * See bench/README.md. The parts: {@link ServingOptions} (command line), {@link ServingRun} (the steps),
 * {@link GatewayClient}, {@link InProcessWorker}, {@link ClosedLoop}, {@link MetricSums}, {@link Batch32},
 * {@link ServingReport}.
 */
public final class ServingBench {

    private ServingBench() {
    }

    public static void main(String[] args) throws Exception {
        ServingOptions o = ServingOptions.parse(args);
        LocalSystem system = o.gateway == null ? LocalSystem.start(o.root, o.threads) : null;
        try {
            if (system != null && o.headers.keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Authorization"))) {
                // the gateway wants a tenant's API key: the harness makes one in the system it started
                o.headers.put("Authorization", "Bearer " + system.createApiKey("bench"));
            }
            try (GatewayClient gateway = new GatewayClient(system == null ? o.gateway : system.gateway(), o.headers)) {
                String description = system != null
                        ? "System started by the harness (`deploy/local/start.sh`: single-node Kafka, Redis, the three packaged services, each JVM on the same machine)"
                        : "Running system at " + o.gateway;
                new ServingRun(o, gateway, system == null ? o.redis : system.redis(),
                        system == null ? o.gatewayManagement : system.gatewayManagement(),
                        system == null ? o.workerManagement : system.workerManagement(),
                        system == null ? null : system.pids(), description).run();
            }
        } finally {
            if (system != null) {
                system.stop();
            }
        }
    }

    /** A line of progress on standard error (the report goes to standard output). */
    static void log(String line) {
        System.err.println("[bench] " + line);
    }
}
