package io.metalprompt.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;

/**
 * Registration bursts (issue 18, item 2): N registrations sent at once through the gateway (C concurrent clients, the
 * development tasks' 16-example sets in turn, PREFIX, no XL demonstrations), timed until every task's prompt event is
 * on {@code metal.prompt-events} ({@link PromptEventClock}): all ready, tasks per second, p50/p99 time-to-ready (from
 * the moment a registration was sent), for each {@code metal.prompts.max-batch} and with one or two prompt-generators.
 * Each cell starts its own local system (deploy/local/start.sh, {@link LocalSystem}) and warms it up with 64
 * registrations first. Prints a markdown table. Not a test: timings depend on the machine.
 *
 * <pre>
 * ./mvnw -B -pl bench -am package -DskipTests -Dbench.main=io.metalprompt.bench.RegistrationBurstBench \
 *     -Dbench.args="--tasks 1000 --batches 1,16 --generators 1,2"
 * </pre>
 */
public final class RegistrationBurstBench {

    private static final int WARM_UP = 64;

    private RegistrationBurstBench() {
    }

    /** One cell's numbers. */
    record Cell(int maxBatch, int generators, int tasks, int failed, double sendSeconds, double allReadySeconds,
                double p50Seconds, double p99Seconds, double meanBatch) {
        double tasksPerSecond() {
            return tasks / allReadySeconds;
        }
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(".");
        int tasks = 1000;
        int clients = 32;
        int[] batches = {1, 16};
        int[] generators = {1, 2};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--root" -> root = Path.of(args[++i]);
                case "--tasks" -> tasks = Integer.parseInt(args[++i]);
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--batches" -> batches = ints(args[++i]);
                case "--generators" -> generators = ints(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --root DIR --tasks N --clients C --batches 1,16 --generators 1,2");
            }
        }
        root = root.toAbsolutePath().normalize();
        List<List<TaskExample>> sets = new ArrayList<>();
        try (TaskRoot tasksZip = TaskRoot.open(root.resolve("data/tasks.zip"))) {
            Path dev = tasksZip.resolve("dev");
            for (String task : TaskLoader.listTasks(dev)) {
                sets.add(TaskLoader.loadFewShot(dev, task, 16, 100));
            }
        }
        String loadBefore = Machine.loadAverage();
        Instant started = Instant.now();
        List<Cell> cells = new ArrayList<>();
        for (int g : generators) {
            for (int b : batches) {
                cells.add(cell(root, b, g, tasks, clients, sets));
                ServingBench.log("cell done: " + cells.get(cells.size() - 1));
            }
        }
        System.out.println(table(cells, tasks, clients, sets.size(), started, loadBefore, Machine.loadAverage()));
    }

    private static Cell cell(Path root, int maxBatch, int generators, int tasks, int clients,
                             List<List<TaskExample>> sets) throws Exception {
        LocalSystem system = LocalSystem.start(root, 1, Map.of("METAL_PROMPTS_MAX_BATCH", Integer.toString(maxBatch),
                "METAL_GATEWAY_QUOTA_MAX_TASKS", "1000000"));
        LocalSystem.Replica second = null;
        try {
            if (generators == 2) {
                second = system.startPromptGenerator();
            }
            try (GatewayClient gateway = new GatewayClient(system.gateway(),
                    Map.of("Authorization", "Bearer " + system.createApiKey("burst")));
                 PromptEventClock events = PromptEventClock.start(system.kafka())) {
                ServingBench.log("max-batch " + maxBatch + ", " + generators + " prompt-generator(s): warm-up");
                burst(gateway, events, WARM_UP, clients, sets, Duration.ofMinutes(5), null);
                double[] batchBefore = batchSums(system, second);
                ServingBench.log("burst of " + tasks);
                Cell c = burst(gateway, events, tasks, clients, sets, Duration.ofMinutes(15), null);
                double[] batchAfter = batchSums(system, second);
                double mean = (batchAfter[0] - batchBefore[0]) / Math.max(1, batchAfter[1] - batchBefore[1]);
                return new Cell(maxBatch, generators, c.tasks(), c.failed(), c.sendSeconds(), c.allReadySeconds(),
                        c.p50Seconds(), c.p99Seconds(), mean);
            }
        } finally {
            if (second != null) {
                second.process().destroy();
                second.process().waitFor();
            }
            system.stop();
        }
    }

    /**
     * Sends {@code n} registrations from {@code clients} threads at once (registration i: {@code sets.get(i %
     * sets.size())}) and waits for all their prompt events; {@code ids}, when not null, gets registration i's task id
     * at i.
     */
    static Cell burst(GatewayClient gateway, PromptEventClock events, int n, int clients,
                      List<List<TaskExample>> sets, Duration patience, String[] ids) throws Exception {
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.currentTimeMillis();
        List<Future<?>> sends = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<TaskExample> set = sets.get(i % sets.size());
            int at = i;
            sends.add(pool.submit(() -> {
                long t = System.currentTimeMillis();
                String id = gateway.submit(set);
                sentAt.put(id, t);
                if (ids != null) {
                    ids[at] = id;
                }
                return null;
            }));
        }
        for (Future<?> f : sends) {
            f.get();
        }
        pool.shutdown();
        long sent = System.currentTimeMillis();
        long deadline = System.nanoTime() + patience.toNanos();
        while (!events.seenAll(sentAt.keySet())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(events.missing(sentAt.keySet()) + " of " + n + " tasks had no prompt event within "
                        + patience);
            }
            Thread.sleep(100);
        }
        double[] toReady = sentAt.entrySet().stream().mapToDouble(e -> (events.at(e.getKey()) - e.getValue()) / 1000.0)
                .sorted().toArray();
        long last = sentAt.keySet().stream().mapToLong(events::at).max().orElse(start);
        return new Cell(0, 0, n, events.failed(sentAt.keySet()), (sent - start) / 1000.0, (last - start) / 1000.0,
                quantile(toReady, 0.50), quantile(toReady, 0.99), 0);
    }

    /** {@code metal_promptgen_batch_tasks} sum and count over the prompt-generators. */
    private static double[] batchSums(LocalSystem system, LocalSystem.Replica second) throws Exception {
        double[] out = new double[2];
        HttpClient http = HttpClient.newHttpClient();
        for (String m : second == null ? List.of(system.promptGeneratorManagement())
                : List.of(system.promptGeneratorManagement(), second.management())) {
            String text = http.send(HttpRequest.newBuilder(URI.create(m + "/q/metrics")).header("Accept", "text/plain")
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            for (String line : text.split("\n")) {
                if (line.startsWith("metal_promptgen_batch_tasks_sum")) {
                    out[0] += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                } else if (line.startsWith("metal_promptgen_batch_tasks_count")) {
                    out[1] += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        }
        return out;
    }

    private static double quantile(double[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(s -> Integer.parseInt(s.strip())).toArray();
    }

    private static String table(List<Cell> cells, int tasks, int clients, int sets, Instant started, String before,
                                String after) {
        StringBuilder b = new StringBuilder();
        b.append("**Registration bursts** (`RegistrationBurstBench`, ").append(started).append(")\n\n");
        b.append("- CPU: ").append(Machine.cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores; Java ").append(System.getProperty("java.version")).append(".\n");
        b.append("- Load average (1/5/15 min) before: ").append(before).append(", after: ").append(after).append(".\n");
        b.append("- Each cell: its own local system (deploy/local/start.sh: Kafka, Redis, gateway, prompt-generator, ")
                .append("worker; PyTorch 1 thread per JVM), a second prompt-generator JVM where the table says 2, ")
                .append(WARM_UP).append(" registrations of warm-up, then ").append(tasks).append(" registrations sent at once by ")
                .append(clients).append(" clients through the gateway (the ").append(sets)
                .append(" development tasks' 16-example sets in turn, PREFIX, no XL demonstrations). Ready = the task's ")
                .append("prompt event on `metal.prompt-events` (its timestamp); time-to-ready from the moment its ")
                .append("registration was sent.\n\n");
        b.append("| max-batch | prompt-generators | tasks | failed | sending took s | all ready s | tasks/s | ")
                .append("p50 time-to-ready s | p99 time-to-ready s | mean registrations per batch |\n");
        b.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Cell c : cells) {
            b.append(String.format(java.util.Locale.ROOT, "| %d | %d | %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |%n",
                    c.maxBatch(), c.generators(), c.tasks(), c.failed(), c.sendSeconds(), c.allReadySeconds(),
                    c.tasksPerSecond(), c.p50Seconds(), c.p99Seconds(), c.meanBatch()));
        }
        return b.toString();
    }

}
