package io.metalprompt.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

import io.metalprompt.events.Example;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.lm.ModelConfig;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskStore;
import io.metalprompt.worker.PrefixCache;

/**
 * The numbers of {@code docs/capacity.md}, computed rather than typed: bytes per task per design and encoding for
 * each model shape (from its {@code config.json}, read by {@link ModelConfig#fromJson}), the bytes Redis spends per
 * task (measured on a real Redis when {@code --redis} is given), workers and partitions for a request rate from a
 * measured per-batch cost, and the worker prefix cache's hit rate against its size for Zipf-distributed task
 * popularity, simulated by driving the worker's own {@link PrefixCache}.
 *
 * <pre>
 * ./mvnw -B -q -pl bench -am package -DskipTests -Dbench.main=io.metalprompt.bench.Capacity \
 *     -Dbench.args="--redis redis://127.0.0.1:16379"
 * </pre>
 * Options: {@code --k 16} (prompt positions), {@code --tasks 100000}, {@code --requests 2000000}, {@code --zipf 1.0}
 * (comma-separated exponents), {@code --seed 42}, {@code --batch-ms 43.6 --batch-size 32} (a worker's measured batch,
 * {@code docs/benchmarks.md} "Batch of 32 queries"), {@code --rate 10000}, {@code --redis URL}.
 */
public final class Capacity {

    /** A model shape and where its config is. */
    record Shape(String name, Path config) {
    }

    private Capacity() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        int k = Integer.parseInt(o.getOrDefault("--k", "16"));
        int tasks = Integer.parseInt(o.getOrDefault("--tasks", "100000"));
        int requests = Integer.parseInt(o.getOrDefault("--requests", "2000000"));
        long seed = Long.parseLong(o.getOrDefault("--seed", "42"));
        double batchMs = Double.parseDouble(o.getOrDefault("--batch-ms", "43.6"));
        int batchSize = Integer.parseInt(o.getOrDefault("--batch-size", "32"));
        double rate = Double.parseDouble(o.getOrDefault("--rate", "10000"));
        Path root = Path.of(o.getOrDefault("--root", ".")).toAbsolutePath().normalize();
        if (!Files.isDirectory(root.resolve("bench/configs"))) {
            root = root.getParent();   // run from bench/ by exec:exec
        }
        List<Shape> shapes = List.of(new Shape("shipped LM (models/base-lm)", root.resolve("models/base-lm/config.json")),
                new Shape("GPT-2 124M", root.resolve("bench/configs/gpt2-124m.json")),
                new Shape("GPT-2 1.5B", root.resolve("bench/configs/gpt2-1.5b.json")),
                new Shape("Llama-3-8B", root.resolve("bench/configs/llama-3-8b.json")));

        StringBuilder out = new StringBuilder();
        out.append("## Bytes per task (k = ").append(k).append(" prompt positions)\n\n");
        out.append("| model | layers | d | heads (KV) | head dim | design | F32 | F16 | INT8 | worker cache (fp32 K/V) |\n");
        out.append("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|\n");
        Map<String, Long> int8Prefix = new LinkedHashMap<>();
        Map<String, Long> cacheBytes = new LinkedHashMap<>();
        for (Shape s : shapes) {
            ModelConfig c = ModelConfig.fromJson(s.config());
            long cache = cacheBytes(c, k);
            cacheBytes.put(s.name(), cache);
            for (PromptDesign d : PromptDesign.values()) {
                long f32 = artifactBytes(c, d, k, 4, 0);
                long f16 = artifactBytes(c, d, k, 2, 0);
                long int8 = artifactBytes(c, d, k, 1, 4);
                if (d == PromptDesign.PREFIX) {
                    int8Prefix.put(s.name(), int8);
                }
                out.append(String.format(Locale.ROOT, "| %s | %d | %d | %d (%d) | %d | %s | %s | %s | %s | %s |%n", s.name(),
                        c.nLayer(), c.dModel(), c.nHead(), c.nKvHead(), c.headDim(), d, bytes(f32), bytes(f16), bytes(int8),
                        bytes(cache)));
            }
        }

        out.append("\n## Redis memory per task\n\n");
        long overhead = o.containsKey("--redis") ? measureRedis(o.get("--redis"), 19_929) : -1;
        if (overhead >= 0) {
            out.append(String.format(Locale.ROOT, "Measured on %s: %s per task besides its two prompt artifacts (hash, "
                    + "16-example registration, version set, index and tenant-set entries, key overhead), with the shipped "
                    + "INT8 PREFIX artifact (19,929 bytes) stored twice (current and previous version).%n%n",
                    RedisConnector.redact(o.get("--redis")), bytes(overhead)));
        } else {
            overhead = 3_000;
            out.append("Not measured (no --redis): assumed 3 KB per task besides its prompt artifacts.\n\n");
        }
        out.append("| model | INT8 PREFIX artifact | per task (2 versions + the rest) | 1 M tasks | 100 M tasks |\n");
        out.append("|---|---:|---:|---:|---:|\n");
        for (Map.Entry<String, Long> e : int8Prefix.entrySet()) {
            long perTask = 2 * (e.getValue() + 64) + overhead;   // 64: a string key's own overhead
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", e.getKey(), bytes(e.getValue()),
                    bytes(perTask), bytes(perTask * 1_000_000L), bytes(perTask * 100_000_000L)));
        }

        out.append("\n## Workers and partitions for ").append((long) rate).append(" requests/s\n\n");
        double perWorker = batchSize / (batchMs / 1000.0);
        int workers = (int) Math.ceil(rate / (perWorker * 0.7));
        out.append(String.format(Locale.ROOT, "A worker serves a batch of %d single-input requests in %.1f ms (measured, "
                + "shipped LM, one PyTorch thread): %.0f requests/s at full batches. At 70 %% utilisation %.0f requests/s "
                + "need **%d workers** (one core each), so `metal.inference-requests` needs at least %d partitions "
                + "(a consumer group gives each partition to one worker).%n%n", batchSize, batchMs, perWorker, rate, workers,
                workers));
        out.append("Requests are keyed by task id, so one task's requests all go to one partition. Under Zipf popularity "
                + "the hottest partition carries (simulated over the tasks below, ids hashed as Kafka's default partitioner "
                + "does, murmur2 of the key):\n\n");
        out.append("| Zipf s | partitions | hottest task's share | hottest partition's share | its requests/s at the rate | "
                + "workers it needs |\n|---:|---:|---:|---:|---:|---:|\n");
        List<Double> exponents = new ArrayList<>();
        for (String z : o.getOrDefault("--zipf", "0.8,1.0,1.2").split(",")) {
            exponents.add(Double.parseDouble(z));
        }
        for (double s : exponents) {
            double[] p = zipf(tasks, s);
            for (int partitions : new int[] {workers, 2 * workers, 64}) {
                double[] load = new double[partitions];
                for (int r = 0; r < tasks; r++) {
                    load[partition(taskId(r), partitions)] += p[r];
                }
                double hottest = 0;
                for (double l : load) {
                    hottest = Math.max(hottest, l);
                }
                out.append(String.format(Locale.ROOT, "| %.1f | %d | %.2f %% | %.2f %% | %.0f | %.1f |%n", s, partitions,
                        100 * p[0], 100 * hottest, hottest * rate, hottest * rate / (perWorker * 0.7)));
            }
        }

        out.append("\n## Prefix cache hit rate against its size (Zipf popularity over ").append(tasks)
                .append(" tasks, ").append(requests).append(" requests, the worker's PrefixCache)\n\n");
        String shipped = shapes.get(0).name();
        long perEntry = cacheBytes.get(shipped);
        out.append(String.format(Locale.ROOT, "Each entry weighs the shipped LM's %s (fp32 keys and values of %d layers "
                + "for k = %d, and the mask). Hit rate over the requests after the first 10 %% (warm-up).%n%n",
                bytes(perEntry), shapes.isEmpty() ? 0 : ModelConfig.fromJson(shapes.get(0).config()).nLayer(), k));
        double[] fractions = {0.001, 0.005, 0.01, 0.02, 0.05, 0.10, 0.20, 0.50};
        out.append("| cache size | tasks it holds | share of tasks |");
        for (double s : exponents) {
            out.append(String.format(Locale.ROOT, " hit rate s=%.1f |", s));
        }
        out.append("\n|---:|---:|---:|");
        exponents.forEach(s -> out.append("---:|"));
        out.append('\n');
        for (double f : fractions) {
            long entries = Math.max(1, Math.round(tasks * f));
            long size = entries * perEntry;
            out.append(String.format(Locale.ROOT, "| %s | %d | %.1f %% |", bytes(size), entries, 100 * f));
            for (double s : exponents) {
                out.append(String.format(Locale.ROOT, " %.1f %% |", 100 * simulate(tasks, requests, s, size, perEntry, seed)));
            }
            out.append('\n');
        }
        long defaultSize = 268_435_456L;
        out.append(String.format(Locale.ROOT, "%nThe default `metal.serving.cache-bytes` (256 MiB) holds %d tasks of the "
                + "shipped LM; of the shapes above: %s.%n", defaultSize / perEntry, perModelDefault(cacheBytes, defaultSize)));
        System.out.print(out);
    }

    private static String perModelDefault(Map<String, Long> cacheBytes, long size) {
        List<String> parts = new ArrayList<>();
        cacheBytes.forEach((name, b) -> parts.add(name + " " + (size / b)));
        return String.join(", ", parts);
    }

    /**
     * The artifact's bytes (docs/pgm.md, "Artifact sizes"): tensors of the design plus 0.9-1.5 KB of metadata and
     * safetensors header. INT8 adds a 4-byte scale per row (one position of one head, or one embedding).
     */
    static long artifactBytes(ModelConfig c, PromptDesign d, int k, int bytesPerValue, int scalePerRow) {
        // metadata and safetensors header as measured on the shipped PREFIX artifacts (66,399 / 33,640 / 19,929 bytes)
        long meta = scalePerRow > 0 ? 1_497 : bytesPerValue == 2 ? 872 : 863;
        return switch (d) {
            case DISCRETE -> meta + 8L * k;   // token ids and their text in the metadata
            case WEIGHTED_SUM, HIDDEN_STATE -> meta + (long) k * (c.dModel() * bytesPerValue + scalePerRow);
            case PREFIX -> meta + 2L * c.nLayer() * k * c.nKvHead() * ((long) c.headDim() * bytesPerValue + scalePerRow);
        };
    }

    /** What the worker's prefix cache keeps per task: fp32 keys and values per layer for k positions, and the mask. */
    static long cacheBytes(ModelConfig c, int k) {
        return 2L * c.nLayer() * k * c.nKvHead() * c.headDim() * 4 + 8L * k;
    }

    /** Redis bytes per task besides two prompt artifacts of {@code artifactBytes}, measured with 2,000 tasks. */
    private static long measureRedis(String url, int artifactBytes) {
        int n = 2000;
        try (RedisConnector redis = new RedisConnector(url, Duration.ofSeconds(10))) {
            TaskStore store = new TaskStore(redis);
            TaskPrompts prompts = new TaskPrompts(redis);
            long before = usedMemory(redis);
            List<String> ids = new ArrayList<>();
            List<Example> examples = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                examples.add(new Example("the soup was really rather nice and warm " + i, i % 2 == 0 ? "positive" : "negative"));
            }
            byte[] artifact = new byte[artifactBytes];
            new SplittableRandom(1).nextBytes(artifact);
            for (int i = 0; i < n; i++) {
                String id = UUID.randomUUID().toString();
                ids.add(id);
                store.register(new TaskRegistered(1, id, "capacity", examples, List.of("positive", "negative"),
                        PromptDesign.PREFIX, 0, Instant.now()), 1_000_000);
                prompts.storeReady(id, "v1", 16, null, artifact);
                prompts.switchVersion(id, "v2", 16, null, artifact);
            }
            long after = usedMemory(redis);
            for (String id : ids) {
                store.delete(id);
            }
            return (after - before) / n - 2L * (artifactBytes + 64);
        }
    }

    private static long usedMemory(RedisConnector redis) {
        long total = 0;
        for (var node : redis.masters().values()) {
            for (String line : node.info("memory").split("\r?\n")) {
                if (line.startsWith("used_memory:")) {
                    total += Long.parseLong(line.substring("used_memory:".length()).trim());
                }
            }
        }
        return total;
    }

    /** The hit rate of a {@link PrefixCache} of {@code maxBytes} under Zipf({@code s}) requests over {@code tasks}. */
    static double simulate(int tasks, int requests, double s, long maxBytes, long entryBytes, long seed) {
        double[] cdf = zipf(tasks, s);
        for (int i = 1; i < tasks; i++) {
            cdf[i] += cdf[i - 1];
        }
        PrefixCache cache = new PrefixCache(maxBytes);
        SplittableRandom random = new SplittableRandom(seed);
        int warmup = requests / 10;
        long hitsBefore = 0;
        long missesBefore = 0;
        PrefixCache.Entry entry = new PrefixCache.Entry(null, null, entryBytes);   // only its weight matters here
        for (int i = 0; i < requests; i++) {
            if (i == warmup) {
                hitsBefore = cache.hits();
                missesBefore = cache.misses();
            }
            int rank = rank(cdf, random.nextDouble());
            cache.get(new PrefixCache.Key(taskId(rank), "v1"), key -> entry);
        }
        long hits = cache.hits() - hitsBefore;
        long misses = cache.misses() - missesBefore;
        return hits / (double) (hits + misses);
    }

    private static int rank(double[] cdf, double u) {
        int lo = 0;
        int hi = cdf.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cdf[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Zipf probabilities of ranks 1..n with exponent s (index 0 = the most popular task). */
    static double[] zipf(int n, double s) {
        double[] p = new double[n];
        double sum = 0;
        for (int r = 0; r < n; r++) {
            p[r] = 1 / Math.pow(r + 1, s);
            sum += p[r];
        }
        for (int r = 0; r < n; r++) {
            p[r] /= sum;
        }
        return p;
    }

    private static String taskId(int rank) {
        return new UUID(0x5eed_0000_0000_0000L + rank, rank * 0x9E3779B97F4A7C15L).toString();
    }

    /** Kafka's default partitioner for a keyed record: murmur2 of the key bytes, positive, modulo the partitions. */
    static int partition(String key, int partitions) {
        return (org.apache.kafka.common.utils.Utils.murmur2(key.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                & 0x7fffffff) % partitions;
    }

    private static String bytes(long b) {
        if (b < 10_000) {
            return String.format(Locale.ROOT, "%,d B", b);
        }
        if (b < 1_000_000) {
            return String.format(Locale.ROOT, "%.1f KB", b / 1e3);
        }
        if (b < 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.1f MB", b / 1e6);
        }
        if (b < 1_000_000_000_000L) {
            return String.format(Locale.ROOT, "%.1f GB", b / 1e9);
        }
        return String.format(Locale.ROOT, "%.1f TB", b / 1e12);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option value pairs, got " + String.join(" ", args));
            }
            o.put(args[i], args[++i]);
        }
        return o;
    }
}
