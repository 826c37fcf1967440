package io.metalprompt.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The serving run as markdown (docs/benchmarks.md's generated section), and writing it into that file. */
final class ServingReport {

    /** What was measured and how: the task, the loads, the machine before and after. */
    /**
     * {@code settleRounds}: rounds of the JIT-settling warm-up that ran (0: none); {@code settled}: whether the
     * compilers fell below the bound within them.
     */
    record Setup(String pgmVersion, int examples, int demoTokens, int settleRounds, boolean settled, String loadBefore,
                 String loadAfter) {
    }

    private final ServingOptions o;
    private final String system;
    private final WorkerSettings worker;

    /** {@code system}: how the services ran ("System started by the harness (...)" or "Running system at URL"). */
    ServingReport(ServingOptions o, String system, WorkerSettings worker) {
        this.o = o;
        this.system = system;
        this.worker = worker;
    }

    String render(Setup setup, List<Cell> cells, Batch32 b) {
        return settings(setup, b) + cellTable(cells) + stageTable(cells) + cpuTable(cells) + batchTable(setup.examples(), b);
    }

    /**
     * Where the machine's CPU went: ms of CPU per timed request in each process, and the cores they kept busy. On a
     * 2-core machine a path whose processes need more CPU per request than the engine alone cannot reach the engine's
     * throughput, however its hand-offs are arranged (issue 18, item 1). Empty when the harness did not start the system.
     */
    private static String cpuTable(List<Cell> cells) {
        List<Cell> measured = cells.stream().filter(c -> !c.cpu().isEmpty()).toList();
        if (measured.isEmpty()) {
            return "";
        }
        List<String> columns = ProcessCpu.columns(measured.stream().map(Cell::cpu).toList());
        StringBuilder s = new StringBuilder("**Where the CPU goes** (ms of CPU, user + system, per timed request in each "
                + "process, from the OS; `" + ProcessCpu.HARNESS + "` is the harness's JVM: the clients, and the engine "
                + "itself on the in-process path; cores busy = total x throughput; " + Runtime.getRuntime().availableProcessors()
                + " cores)\n\n| path | prompt | clients | ");
        columns.forEach(c -> s.append(c).append(" | "));
        s.append("cores busy |\n|---|---|---:|");
        columns.forEach(c -> s.append("---:|"));
        s.append("---:|\n");
        for (Cell c : measured) {
            s.append(String.format(Locale.ROOT, "| %s | %s | %d | ", c.path(), c.variant(), c.concurrency()));
            columns.forEach(k -> {
                Double ms = c.cpu().get(k);
                s.append(ms == null ? "" : String.format(Locale.ROOT, "%.2f", ms)).append(" | ");
            });
            s.append(String.format(Locale.ROOT, "%.2f |\n", c.coresBusy()));
        }
        return s.append('\n').toString();
    }

    /** Where the gateway cells' time went: the services' stage timers, means in ms (issue 18, item 1). */
    private static String stageTable(List<Cell> cells) {
        StringBuilder s = new StringBuilder("\n**Where a gateway request's time goes** (means in ms over the timed requests, "
                + "from the services' own timers: `metal_gateway_requests_seconds{endpoint=\"predict\"}`, "
                + "`metal_gateway_inference_stage_seconds`, `metal_worker_request_wait_seconds`, "
                + "`metal_worker_batch_seconds`, `metal_worker_commit_seconds`; docs/observability.md)\n\n");
        s.append("| prompt | clients | endpoint | gateway own (endpoint - round trip) | round trip | produce (to broker ack) | "
                + "ack to result written | result written to gateway consumer | consumer to request thread | "
                + "worker: wait for a batch | worker: serve a batch | worker: commit a transaction | "
                + "worker: batches per transaction |\n");
        s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Cell c : cells) {
            Cell.Stages t = c.stages();
            if (t == null) {
                continue;
            }
            s.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                    c.variant(), c.concurrency(), num(t.endpoint()), num(t.gatewayOwn()), num(t.roundTrip()),
                    num(t.produce()), num(t.worker()), num(t.delivery()), num(t.resume()), num(t.batchWait()),
                    num(t.batch()), num(t.commit()), num(t.batchesPerCommit())));
        }
        return s.append('\n').toString();
    }

    private String settings(Setup setup, Batch32 b) {
        StringBuilder s = new StringBuilder();
        s.append("## Serving latency and throughput (`bench/`, `ServingBench`)\n\n");
        s.append("How to run: see [`bench/README.md`](../bench/README.md). Run on ").append(LocalDate.now())
                .append(", commit ").append(Machine.gitCommit(o.root)).append(".\n\n");
        s.append("**Machine and settings**\n");
        s.append("- CPU: ").append(Machine.cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, shared with other jobs; Java ").append(System.getProperty("java.version")).append(".\n");
        s.append("- Load average (1/5/15 min) before: ").append(setup.loadBefore()).append(", after: ")
                .append(setup.loadAfter()).append(".\n");
        s.append("- ").append(system).append("; PyTorch threads ")
                .append(System.getProperty("ai.djl.pytorch.num_threads", "(default)"))
                .append(" in every model JVM, `OMP_WAIT_POLICY=PASSIVE`, fp32.\n");
        s.append("- Models: `models/base-lm` (").append(shape(o.root)).append("), `models/pgm/prefix` (PGM ")
                .append(setup.pgmVersion()).append(", prompt of ").append(b.promptPositions()).append(" positions).\n");
        s.append("- Task `").append(o.task).append("`, ").append(setup.examples()).append(" examples (seed ").append(o.seed)
                .append("), PREFIX design, no XL demonstrations; single-input requests cycling over its test inputs;")
                .append(" ICL inputs carry the ").append(setup.examples()).append(" examples as demonstrations (")
                .append(setup.demoTokens()).append(" tokens) in front of the input.\n");
        s.append("- Before the first cell: ").append(o.systemWarmup).append(" prompt requests and ")
                .append(o.icl ? o.systemWarmupIcl() : 0).append(" ICL requests per path at 8 clients (JIT warm-up of every JVM)")
                .append(setup.settleRounds() == 0 ? "" : ", then " + setup.settleRounds() + " round(s) of "
                        + ServingRun.SETTLE_ROUND + " prompt requests per path until the JIT compiler threads of every JVM"
                        + " took less than " + Math.round(100 * o.settle) + " % of a round's CPU"
                        + (setup.settled() ? "" : " (not reached: the compilers were still busy after the last round)"))
                .append(".\n");
        s.append("- Each cell: ").append(o.warmup).append(" warm-up requests, then ").append(o.requests)
                .append(" timed requests (").append(o.iclRequests()).append(" with the demonstrations) from N closed-loop clients; throughput = timed requests / wall time."
                        + " In-process engine: the worker's `InferenceEngine` in the harness JVM, batching what"
                        + " waits (up to ").append(worker.maxBatch()).append(", the worker's `max.poll.records`), same Redis.\n\n");
        return s.toString();
    }

    private String cellTable(List<Cell> cells) {
        StringBuilder s = new StringBuilder();
        s.append("| path | prompt | clients | p50 ms | p99 ms | throughput req/s | mean batch (requests) "
                + "| mean serve per batch ms | mean Kafka round trip ms | mean wait for the worker ms |\n"
                + "|---|---|---|---|---|---|---|---|---|---|\n");
        for (Cell c : cells) {
            s.append(String.format(Locale.ROOT, "| %s | %s | %d | %.1f | %.1f | %.1f | %s | %s | %s | %s |\n", c.path(),
                    c.variant(), c.concurrency(), c.p50(), c.p99(), c.throughput(), num(c.batchRequests()),
                    num(c.batchMs()), num(c.roundTripMs()), num(c.waitMs())));
        }
        s.append("\nThe last four columns are means over the timed requests: for the gateway from the services' own"
                + " metrics (`metal_worker_batch_requests`, `metal_worker_batch_seconds`,"
                + " `metal_gateway_inference_roundtrip_seconds`, `metal_worker_request_wait_seconds`;"
                + " `docs/observability.md`), for the in-process engine from its serving thread.\n");
        s.append("\nMessaging overhead (gateway minus in-process engine, p50, prompt): ");
        List<String> overheads = new ArrayList<>();
        for (int c : o.concurrency) {
            Cell g = find(cells, ServingRun.GATEWAY, ServingRun.PROMPT, c);
            Cell e = find(cells, ServingRun.IN_PROCESS, ServingRun.PROMPT, c);
            overheads.add(String.format(Locale.ROOT, "%d client%s %.1f ms", c, c == 1 ? "" : "s", g.p50() - e.p50()));
        }
        s.append(String.join(", ", overheads)).append(".\n\n");
        return s.toString();
    }

    private String batchTable(int examples, Batch32 b) {
        StringBuilder s = new StringBuilder();
        s.append("**Batch of 32 queries** (median of ").append(o.batchRuns).append(" runs, cases interleaved run by run)\n\n");
        s.append("| where | case | median ms | ratio |\n|---|---|---|---|\n");
        s.append(String.format(Locale.ROOT, "| scorer (`BatchScorer`, as in the worker) | cached prompt (%d positions) + query | %.1f | 1.00 |\n",
                b.promptPositions(), b.cachedMs()));
        s.append(String.format(Locale.ROOT, "| scorer | query alone, no context | %.1f | cached / none = **%.2f** (goal <= 1.15, issue 18) |\n",
                b.noContextMs(), b.cachedMs() / b.noContextMs()));
        s.append(String.format(Locale.ROOT, "| scorer | ICL: %d demonstrations + query, every time | %.1f | ICL / cached = **%.2f** (goal >= 20, issue 18) |\n",
                examples, b.iclMs(), b.iclMs() / b.cachedMs()));
        s.append(String.format(Locale.ROOT, "| in-process engine (one request, 32 inputs) | prompt | %.1f | 1.00 |\n", b.enginePromptMs()));
        s.append(String.format(Locale.ROOT, "| in-process engine | prompt + demonstrations in each input | %.1f | %.2f |\n",
                b.engineIclMs(), b.engineIclMs() / b.enginePromptMs()));
        s.append(String.format(Locale.ROOT, "| gateway (one call, 32 inputs) | prompt | %.1f | 1.00 |\n", b.gatewayPromptMs()));
        s.append(String.format(Locale.ROOT, "| gateway | prompt + demonstrations in each input | %.1f | %.2f |\n",
                b.gatewayIclMs(), b.gatewayIclMs() / b.gatewayPromptMs()));
        return s.toString();
    }

    /** Replaces the generated section of {@code file} (between the markers), or appends it. */
    static void write(Path file, String report) throws IOException {
        MarkedSection.write(file, "ServingBench", report);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static Cell find(List<Cell> cells, String path, String variant, int c) {
        return cells.stream().filter(x -> x.path().equals(path) && x.variant().equals(variant) && x.concurrency() == c)
                .findFirst().orElseThrow();
    }

    /** The base LM's shape, from {@code models/base-lm/config.json} under {@code root}. */
    static String shape(Path root) {
        try {
            JsonNode c = new ObjectMapper().readTree(root.resolve("models/base-lm/config.json").toFile());
            return c.path("n_layer").asInt() + " layers, d=" + c.path("n_embd").asInt() + ", "
                    + c.path("n_positions").asInt() + " positions";
        } catch (IOException e) {
            return "config unreadable";
        }
    }
}
