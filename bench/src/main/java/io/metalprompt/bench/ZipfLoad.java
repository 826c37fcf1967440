package io.metalprompt.bench;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.IntUnaryOperator;

/**
 * Single-input requests through the gateway spread over tasks by a Zipf law (which task is the most popular, the
 * second, ...: a seeded shuffle, so popularity does not follow registration order), sent by N closed-loop clients
 * ({@link ClosedLoop}); each task's inputs are its example set's test inputs, in turn. {@link #measure} times one cell
 * and reads what the services' own metrics say of it: the worker's prefix-cache hits, misses and evictions, its batches
 * and the wait before them ({@link MetricSums}).
 */
final class ZipfLoad {

    /**
     * One cell: latency, throughput, and the worker's view of the same requests (NaN where not known); {@code load}:
     * the machine's 1-minute load average when the timed requests started (other jobs share the cores).
     */
    record Result(int tasks, int clients, int requests, int distinctTasks, double p50, double p99, double throughput,
                  double hitRate, double evictions, double batchRequests, double batchMs, double waitMs, String load) {
    }

    private final GatewayClient gateway;
    private final String gatewayMetrics;
    private final String workerMetrics;
    private final List<String> taskIds;
    private final IntUnaryOperator setOf;
    private final List<List<String>> inputs;
    private final Zipf zipf;
    private final int[] byRank;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * Requests over {@code taskIds}; task t's inputs are {@code inputs.get(setOf(t))}; Zipf exponent {@code s};
     * {@code seed} orders the tasks by popularity.
     */
    ZipfLoad(GatewayClient gateway, String gatewayMetrics, String workerMetrics, List<String> taskIds,
             IntUnaryOperator setOf, List<List<String>> inputs, double s, long seed) {
        this.gateway = gateway;
        this.gatewayMetrics = gatewayMetrics;
        this.workerMetrics = workerMetrics;
        this.taskIds = List.copyOf(taskIds);
        this.setOf = setOf;
        this.inputs = inputs;
        this.zipf = new Zipf(taskIds.size(), s);
        List<Integer> order = new ArrayList<>();
        for (int t = 0; t < taskIds.size(); t++) {
            order.add(t);
        }
        Collections.shuffle(order, new Random(seed));
        this.byRank = order.stream().mapToInt(Integer::intValue).toArray();
    }

    Zipf zipf() {
        return zipf;
    }

    /** {@code count} requests from {@code clients} clients, not timed (warm-up; the draws seeded by {@code seed}). */
    void drive(int clients, int count, long seed) throws InterruptedException {
        ClosedLoop.drive(request(zipf.sample(count, seed)), clients, count, new double[count]);
    }

    /** {@code warmup} requests, then {@code count} timed ones, from {@code clients} clients. */
    Result measure(int clients, int warmup, int count, long seed) throws Exception {
        drive(clients, warmup, seed ^ 0x5eed);
        int[] plan = zipf.sample(count, seed);
        double[] latencies = new double[count];
        MetricSums before = MetricSums.scrape(http, gatewayMetrics, workerMetrics);
        String load = Machine.loadAverage().split(" ")[0];
        long t0 = System.nanoTime();
        ClosedLoop.drive(request(plan), clients, count, latencies);
        double seconds = (System.nanoTime() - t0) / 1e9;
        MetricSums after = MetricSums.scrape(http, gatewayMetrics, workerMetrics);
        Arrays.sort(latencies);
        double hits = after.delta(before, MetricSums.Sample.CACHE_HITS);
        double misses = after.delta(before, MetricSums.Sample.CACHE_MISSES);
        Result r = new Result(taskIds.size(), clients, count, (int) Arrays.stream(plan).distinct().count(),
                Timing.percentile(latencies, 0.50), Timing.percentile(latencies, 0.99), count / seconds,
                hits / (hits + misses), after.delta(before, MetricSums.Sample.CACHE_EVICTIONS),
                after.mean(before, MetricSums.Series.BATCH_REQUESTS, 1),
                after.mean(before, MetricSums.Series.BATCH_SECONDS, 1000),
                after.mean(before, MetricSums.Series.WAIT, 1000), load);
        ServingBench.log(String.format(Locale.ROOT, "%d tasks, %d clients: p50 %.1f ms, p99 %.1f ms, %.1f req/s, "
                        + "cache hit rate %.3f, %d evictions, mean batch %.1f requests in %.1f ms, wait %.1f ms; load %s",
                r.tasks(), clients, r.p50(), r.p99(), r.throughput(), r.hitRate(), (long) r.evictions(),
                r.batchRequests(), r.batchMs(), r.waitMs(), load));
        return r;
    }

    private ClosedLoop.Request request(int[] plan) {
        return i -> {
            int task = byRank[plan[i]];
            List<String> mine = inputs.get(setOf.applyAsInt(task));
            gateway.predict(taskIds.get(task), List.of(mine.get(i % mine.size())));
        };
    }
}
