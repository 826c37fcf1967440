package io.metalprompt.bench;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** The scale run as markdown: docs/benchmarks.md's {@code ScaleBench} section. */
final class ScaleReport {

    /** Where the run's charts are linked from, relative to docs/benchmarks.md. */
    static final String CHARTS_LINK = "bench/";

    /** What the run was and where: everything the tables need besides the cells. */
    record Setup(String command, Instant started, Instant finished, String loadBefore, String loadAfter,
                 String commit, String pgmVersion, long prefixBytes, int cacheEntries, int viaGateway,
                 double gatewaySeconds, int viaStore, double storeSeconds, int sets, boolean charts) {
    }

    private final ScaleOptions o;

    ScaleReport(ScaleOptions o) {
        this.o = o;
    }

    String render(Setup s, List<ZipfLoad.Result> grid, MissCost.Result miss, List<ExamplesScale.Served> served,
                  List<ExamplesScale.Generated> generated) {
        return settings(s) + gridTable(s, grid) + missLine(miss) + examplesTable(s, served, generated);
    }

    private static String missLine(MissCost.Result m) {
        if (m == null) {
            return "";
        }
        return String.format(Locale.ROOT, "**What a miss costs**: the worker's `ArtifactPrefixLoader.load` (the artifact "
                        + "and the registration read from Redis, the artifact decoded, the prefix built, the options "
                        + "tokenized), run in the harness's JVM over the same Redis for %d of the ready tasks: median "
                        + "%.2f ms, p90 %.2f ms; of which reading the artifact %.2f ms and decoding it "
                        + "(`PromptArtifact.fromBytes`) %.2f ms (medians). The worker pays it inside the batch that "
                        + "asks for the task, so every request of that batch waits for it.\n\n",
                m.tasks(), m.loadMs(), m.loadP90Ms(), m.readMs(), m.decodeMs());
    }

    private String settings(Setup s) {
        DateTimeFormatter day = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);
        DateTimeFormatter time = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);
        StringBuilder b = new StringBuilder();
        b.append("## Cost against scale (issue 18, item 4; `bench/`, `ScaleBench`)\n\n");
        b.append("How to run: [`bench/README.md`](../bench/README.md), \"ScaleBench\". Run on ").append(day.format(s.started()))
                .append('-').append(time.format(s.finished())).append(" UTC, commit ").append(s.commit())
                .append(", with\n\n```bash\n").append(s.command()).append("\n```\n\n");
        b.append("**Machine and settings**\n");
        b.append("- CPU: ").append(Machine.cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, shared with other jobs; Java ").append(System.getProperty("java.version")).append(".\n");
        b.append("- Load average (1/5/15 min) before: ").append(s.loadBefore()).append(", after: ").append(s.loadAfter())
                .append(".\n");
        b.append("- System started by the harness (`deploy/local/start.sh`: single-node Kafka, Redis, the three packaged ")
                .append("services, each JVM on this machine); PyTorch threads ").append(o.threads)
                .append(" in every service JVM, ").append(System.getProperty("ai.djl.pytorch.num_threads", "(default)"))
                .append(" in the harness's, `OMP_WAIT_POLICY=PASSIVE`, fp32. Models: `models/base-lm` (")
                .append(ServingReport.shape(o.root)).append("), `models/pgm/prefix` (PGM ").append(s.pgmVersion())
                .append(").\n");
        b.append(String.format(Locale.ROOT, "- The worker's prefix cache: `METAL_SERVING_CACHE_BYTES=%d` (%.0f MiB; default %d MiB),"
                        + " %s bytes per task (its prompt's keys and values, float32), so it holds %s tasks.\n",
                o.cacheBytes, o.cacheBytes / 1048576.0, WorkerSettings.ofWorker().cacheBytes() >> 20,
                s.prefixBytes() > 0 ? String.format(Locale.ROOT, "%,d", s.prefixBytes()) : "?",
                s.cacheEntries() > 0 ? String.format(Locale.ROOT, "%,d", s.cacheEntries()) : "?"));
        b.append(String.format(Locale.ROOT, "- Tasks: one tenant; task i has the %d examples (seed %d) of development task "
                        + "i mod %d, PREFIX design, no XL demonstrations. %,d registered through the gateway (%.0f s, "
                        + "sent at once by up to 32 clients; ready = its prompt event on `metal.prompt-events`)",
                ScaleBench.GRID_EXAMPLES, o.seed, s.sets(), s.viaGateway(), s.gatewaySeconds()));
        if (s.viaStore() > 0) {
            b.append(String.format(Locale.ROOT, "; the other %,d **seeded through the store** (%.0f s): written with "
                            + "`TaskStore.register`, `TaskPrompts.storeReady` and `saveVersion`, the calls the gateway and the "
                            + "prompt-generator make, each with the registration and the prompt artifact the "
                            + "prompt-generator made for the first gateway task of the same examples (the PGM is "
                            + "deterministic), no Kafka record. Before timing, one seeded task per example set was "
                            + "checked to answer 16 inputs as its gateway twin does", s.viaStore(), s.storeSeconds()));
        }
        b.append(".\n");
        b.append(String.format(Locale.ROOT, "- Requests: one input each, through the gateway; the task drawn by a **Zipf law "
                        + "(s = %.2f)** over the ready tasks (popularity order: a seeded shuffle), the input its example "
                        + "set's test inputs in turn. Before the first cell %,d requests at 8 clients (JIT warm-up); "
                        + "before each number of tasks %,d requests at 8 clients (the cache's steady state); each cell %d "
                        + "warm-up requests, then %,d timed; throughput = timed requests / wall time.\n\n",
                o.zipf, o.systemWarmup, o.cacheWarmup, o.warmup, o.requests));
        return b.toString();
    }

    private String gridTable(Setup s, List<ZipfLoad.Result> grid) {
        StringBuilder b = new StringBuilder();
        b.append("**(a) ready tasks and (c) clients**\n\n");
        b.append("| ready tasks | clients | p50 ms | p99 ms | throughput req/s | tasks asked | prefix-cache hit rate "
                + "| best static hit rate | evictions | mean batch (requests) | mean serve per batch ms "
                + "| mean wait for the worker ms | load (1 min) |\n");
        b.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (ZipfLoad.Result r : grid) {
            b.append(String.format(Locale.ROOT, "| %,d | %d | %.1f | %.1f | %.1f | %,d | %s | %s | %s | %s | %s | %s | %s |\n",
                    r.tasks(), r.clients(), r.p50(), r.p99(), r.throughput(), r.distinctTasks(), rate(r.hitRate()),
                    rate(bestHitRate(s, r.tasks())), whole(r.evictions()), num(r.batchRequests()), num(r.batchMs()),
                    num(r.waitMs()), r.load()));
        }
        b.append("\n*Tasks asked*: distinct tasks among the timed requests. *Prefix-cache hit rate*: the worker's "
                + "`metal_worker_prefix_cache_hits_total` / (hits + misses) over the timed requests. *Best static hit "
                + "rate*: the share of requests that go to the tasks a cache of that many entries could hold if it held "
                + "exactly the most popular ones (the Zipf law's top share). The last three columns: the worker's "
                + "`metal_worker_batch_requests`, `metal_worker_batch_seconds`, `metal_worker_request_wait_seconds` "
                + "(docs/observability.md), means over the timed requests; then the machine's 1-minute load average as the timed requests "
                + "started.\n\n");
        if (s.charts()) {
            b.append("![p50, p99, throughput and cache hit rate against ready tasks](").append(CHARTS_LINK)
                    .append("scale-tasks.png)\n\n");
            b.append("![p50, p99 and throughput against clients](").append(CHARTS_LINK).append("scale-clients.png)\n\n");
        }
        return b.toString();
    }

    private String examplesTable(Setup s, List<ExamplesScale.Served> served, List<ExamplesScale.Generated> generated) {
        if (served.isEmpty() && generated.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "**(b) examples per task**: the %d development tasks' k-example sets (seed %d, "
                        + "from `%s`), each registered through the gateway and ready before the next is sent; then %,d "
                        + "requests over those tasks at %d clients (Zipf as above). In the harness's JVM the shipped PGM "
                        + "generates the same sets (median of %d runs, cases interleaved run by run), one task at a time "
                        + "and all %d in one batched call (as a burst of registrations is generated).\n\n",
                s.sets(), o.seed, o.root.relativize(o.taskData.toAbsolutePath().normalize()), o.requests,
                o.examplesClients, o.generationRuns, s.sets()));
        b.append("| examples | PGM passes | in-process ms per task, one at a time | in-process ms per task, batch of "
                + s.sets() + " | time to ready p50 ms | time to ready max ms | prompt-generator's generation timer, "
                + "mean ms | serving p50 ms | serving p99 ms | serving req/s | load (1 min) |\n");
        b.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < Math.max(served.size(), generated.size()); i++) {
            ExamplesScale.Served v = i < served.size() ? served.get(i) : null;
            ExamplesScale.Generated g = i < generated.size() ? generated.get(i) : null;
            int k = v != null ? v.examples() : g.examples();
            String passes = g == null ? "" : g.minPasses() == g.maxPasses() ? Integer.toString(g.minPasses())
                    : g.minPasses() + "-" + g.maxPasses();
            b.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", k, passes,
                    g == null ? "" : num(g.singleMs()), g == null ? "" : num(g.batchedMs()),
                    v == null ? "" : whole(v.readyP50Ms()), v == null ? "" : whole(v.readyMaxMs()),
                    v == null ? "" : num(v.generatorMs()), v == null ? "" : num(v.serving().p50()),
                    v == null ? "" : num(v.serving().p99()), v == null ? "" : num(v.serving().throughput()),
                    v == null ? "" : v.serving().load()));
        }
        b.append("\n*Time to ready*: from sending the registration to its prompt event (gateway, Kafka, the "
                + "prompt-generator's generation and Redis writes, the event). *Generation timer*: "
                + "`metal_promptgen_generation_seconds{outcome=\"ready\"}`: the prompt-generator's batched generation "
                + "call (the PGM passes and the artifact's encoding), here one task per call.\n\n");
        if (s.charts()) {
            b.append("![generation time and serving latency against examples per task](").append(CHARTS_LINK)
                    .append("scale-examples.png)\n\n");
        }
        return b.toString();
    }

    /** The Zipf law's share of the {@code cacheEntries} most popular of {@code tasks} tasks; NaN if unknown. */
    double bestHitRate(Setup s, int tasks) {
        return s.cacheEntries() <= 0 ? Double.NaN : new Zipf(tasks, o.zipf).topShare(s.cacheEntries());
    }

    private static String rate(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String whole(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%,.0f", v);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.1f", v);
    }
}
