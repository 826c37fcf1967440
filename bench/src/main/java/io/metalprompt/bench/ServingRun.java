package io.metalprompt.bench;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.text.IclFormat;

/**
 * One serving benchmark against a running system: registers the task through the gateway, runs the worker's engine
 * in this JVM beside it ({@link InProcessWorker}), checks the two agree, warms everything up, measures every cell
 * (path, prompt or ICL inputs, clients) and the batch-of-32 cases, and prints and writes the report.
 */
final class ServingRun {

    static final String GATEWAY = "gateway";
    static final String IN_PROCESS = "in-process engine";
    static final String PROMPT = "prompt";
    static final String ICL = "ICL (16 demos in the input)";

    private final ServingOptions o;
    private final GatewayClient gateway;
    private final String redisUrl;
    private final String gatewayMetrics;
    private final String workerMetrics;
    /** deploy/local's pid files of the system the harness started, or null (a running system: CPU not measured). */
    private final Path pids;
    private final WorkerSettings settings = WorkerSettings.ofWorker();
    private final ServingReport report;
    /** Prompt requests per path in one round of {@link #settleCompilers}. */
    static final int SETTLE_ROUND = 2000;
    /** Rounds {@link #settleCompilers} ran (0: it did not run), and whether the compilers fell below the bound. */
    private int settleRounds;
    private boolean settled;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** {@code system}: how the services run, for the report (see {@link ServingReport}). */
    ServingRun(ServingOptions o, GatewayClient gateway, String redisUrl, String gatewayMetrics, String workerMetrics,
               Path pids, String system) {
        this.pids = pids;
        this.o = o;
        this.gateway = gateway;
        this.redisUrl = redisUrl;
        this.gatewayMetrics = gatewayMetrics;
        this.workerMetrics = workerMetrics;
        this.report = new ServingReport(o, system, settings);
    }

    void run() throws Exception {
        List<TaskExample> train;
        List<TaskExample> test;
        try (TaskRoot root = TaskRoot.open(o.root.resolve("data/tasks.zip"))) {
            Path dir = Files.isDirectory(root.resolve("dev").resolve(o.task)) ? root.resolve("dev") : root.path();
            train = TaskLoader.loadFewShot(dir, o.task, o.k, o.seed);
            test = TaskLoader.loadTest(dir, o.task);
        }
        List<String> inputs = test.stream().map(TaskExample::input).toList();
        String demonstrations = IclFormat.renderDemonstrations(train);
        List<String> iclInputs = inputs.stream().map(x -> demonstrations + IclFormat.JOINER + x).toList();

        String before = Machine.loadAverage();
        String taskId = gateway.register(train);
        ServingBench.log("task " + taskId + " (" + o.task + ", " + train.size() + " examples, seed " + o.seed + ") ready");
        Path base = o.root.resolve("models/base-lm");
        try (LanguageModel model = LanguageModel.load(base, LmSettings.cpu());
             LmTokenizer tokenizer = LmTokenizer.load(base);
             RedisConnector redis = new RedisConnector(redisUrl, Duration.ofSeconds(5))) {
            TaskStore store = new TaskStore(redis);
            TaskPrompts prompts = new TaskPrompts(redis);
            TaskRecord task = store.find(taskId).orElseThrow(() -> new IllegalStateException(
                    "task " + taskId + " is not in the Redis at " + redisUrl + ": --redis must be the gateway's Redis"));
            int demoTokens = tokenizer.encode(demonstrations).length;
            try (InProcessWorker worker = new InProcessWorker(settings, model, tokenizer, store, prompts,
                    taskId, task.tenant())) {
                ServingPath viaGateway = gateway.path(taskId);
                checkAgreement(viaGateway, worker, inputs.subList(0, 32));
                warmUp(viaGateway, worker, inputs, iclInputs);
                List<Cell> cells = measureCells(viaGateway, worker, inputs, iclInputs);
                Batch32 batch = Batch32.measure(worker, viaGateway, tokenizer, task, train, inputs.subList(0, 32),
                        iclInputs.subList(0, 32), o.batchRuns);
                String text = report.render(new ServingReport.Setup(task.pgmVersion(), train.size(), demoTokens, settleRounds, settled, before,
                        Machine.loadAverage()), cells, batch);
                System.out.println(text);
                if (o.out != null) {
                    ServingReport.write(o.out, text);
                    ServingBench.log("wrote " + o.out);
                }
            }
        }
    }

    /** The gateway and the in-process engine must agree: they run the same code on the same stored prompt. */
    private static void checkAgreement(ServingPath gatewayPath, ServingPath engine, List<String> inputs) throws Exception {
        List<String> a = gatewayPath.predict(inputs);
        List<String> b = engine.predict(inputs);
        if (!a.equals(b)) {
            throw new IllegalStateException("the gateway and the in-process engine disagree on the same inputs:\n"
                    + a + "\n" + b);
        }
        ServingBench.log("gateway and in-process engine agree on " + inputs.size() + " predictions");
    }

    /**
     * Brings the three service JVMs, the broker and this JVM to steady state before any cell is timed: the first
     * few thousand requests through a freshly started system run interpreted or half-compiled code (measured here:
     * p50 through the gateway fell from about 21 ms to 15 ms over the first 2,000 requests), and a provider's
     * latency is that of a system that has been serving for a while. {@code o.systemWarmup} prompt requests per
     * path at 8 clients, and a tenth of that with the demonstrations in front.
     */
    private void warmUp(ServingPath viaGateway, ServingPath engine, List<String> inputs, List<String> iclInputs)
            throws InterruptedException {
        if (o.systemWarmup <= 0) {
            return;
        }
        long t0 = System.nanoTime();
        for (ServingPath path : List.of(viaGateway, engine)) {
            ClosedLoop.drive(path, inputs, 8, o.systemWarmup, new double[o.systemWarmup]);
            if (o.icl) {
                ClosedLoop.drive(path, iclInputs, 8, o.systemWarmupIcl(), new double[o.systemWarmupIcl()]);
            }
        }
        ServingBench.log(String.format("system warm-up: %d + %d requests per path in %.0f s", o.systemWarmup,
                o.icl ? o.systemWarmupIcl() : 0, (System.nanoTime() - t0) / 1e9));
        settleCompilers(viaGateway, engine, inputs);
    }

    /**
     * Then, when the harness started the system (its pid files are known), rounds of {@link #SETTLE_ROUND} more prompt
     * requests per path at 8 clients until the JIT compiler threads of every JVM (the services', the broker's and
     * this one) took less than {@code o.settle} of the round's CPU, at most {@code o.settleRounds} rounds. A fixed
     * count is either too short (the gateway compiles for about two minutes under load) or wasted time.
     */
    private void settleCompilers(ServingPath viaGateway, ServingPath engine, List<String> inputs)
            throws InterruptedException {
        if (pids == null || o.settle <= 0) {
            return;
        }
        Map<String, Long> processes = ProcessCpu.pidFiles(pids);
        for (int round = 1; round <= o.settleRounds; round++) {
            double compilerBefore = CompilerCpu.millis(processes);
            ProcessCpu cpuBefore = ProcessCpu.sample(pids);
            for (ServingPath path : List.of(viaGateway, engine)) {
                ClosedLoop.drive(path, inputs, 8, SETTLE_ROUND, new double[SETTLE_ROUND]);
            }
            double compiler = CompilerCpu.millis(processes) - compilerBefore;
            double total = ProcessCpu.sample(pids).perRequest(cpuBefore, 1).get(ProcessCpu.TOTAL);
            double share = total > 0 ? compiler / total : 0;
            ServingBench.log(String.format(Locale.ROOT, "settling round %d: JIT compilers %.0f ms of %.0f ms CPU (%.1f %%)",
                    round, compiler, total, 100 * share));
            settleRounds = round;
            if (share < o.settle) {
                settled = true;
                return;
            }
        }
        ServingBench.log("the JIT compilers were still busy after " + o.settleRounds + " rounds; measuring anyway");
    }

    private List<Cell> measureCells(ServingPath viaGateway, InProcessWorker worker, List<String> inputs,
                                    List<String> iclInputs) throws Exception {
        List<Cell> cells = new ArrayList<>();
        for (int c : o.concurrency) {
            cells.add(measure(GATEWAY, PROMPT, viaGateway, null, inputs, c));
            cells.add(measure(IN_PROCESS, PROMPT, worker, worker, inputs, c));
            if (o.icl) {
                cells.add(measure(GATEWAY, ICL, viaGateway, null, iclInputs, c));
                cells.add(measure(IN_PROCESS, ICL, worker, worker, iclInputs, c));
            }
        }
        return cells;
    }

    /**
     * Closed loop: {@code concurrency} clients send single-input requests until {@code o.requests} are done (a tenth
     * of that with the demonstrations in front: each is 20-40 times the work), after
     * {@code o.warmup}; the batch means from the served worker's and gateway's metrics, or from {@code inProcess}'s.
     */
    private Cell measure(String path, String variant, ServingPath target, InProcessWorker inProcess, List<String> inputs,
                         int concurrency) throws Exception {
        ClosedLoop.drive(target, inputs, concurrency, o.warmup, new double[o.warmup]);
        int requests = variant.equals(ICL) ? o.iclRequests() : o.requests;
        double[] latencies = new double[requests];
        MetricSums before = sums(inProcess);
        ProcessCpu cpuBefore = pids == null ? null : ProcessCpu.sample(pids);
        long t0 = System.nanoTime();
        ClosedLoop.drive(target, inputs, concurrency, requests, latencies);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Double> cpu = cpuBefore == null ? Map.of()
                : ProcessCpu.sample(pids).perRequest(cpuBefore, requests);
        MetricSums after = sums(inProcess);
        Arrays.sort(latencies);
        double batchRequests = after.mean(before, MetricSums.Series.BATCH_REQUESTS, 1);
        double batchMs = after.mean(before, MetricSums.Series.BATCH_SECONDS, 1000);
        double roundTripMs = inProcess != null ? Double.NaN : after.mean(before, MetricSums.Series.ROUND_TRIP, 1000);
        double waitMs = inProcess != null ? Double.NaN : after.mean(before, MetricSums.Series.WAIT, 1000);
        Cell cell = new Cell(path, variant, concurrency, requests, Timing.percentile(latencies, 0.50),
                Timing.percentile(latencies, 0.99), requests / seconds, batchRequests, batchMs, roundTripMs, waitMs,
                inProcess != null ? null : Cell.Stages.between(before, after), cpu);
        ServingBench.log(String.format(Locale.ROOT, "%s, %s, concurrency %d: p50 %.1f ms, p99 %.1f ms, %.1f req/s; mean batch %.1f"
                        + " requests in %.1f ms, round trip %.1f ms, wait %.1f ms", path, variant, concurrency, cell.p50(),
                cell.p99(), cell.throughput(), batchRequests, batchMs, roundTripMs, waitMs));
        return cell;
    }

    private MetricSums sums(InProcessWorker inProcess) throws Exception {
        return inProcess != null ? inProcess.metrics() : MetricSums.scrape(http, gatewayMetrics, workerMetrics);
    }
}
