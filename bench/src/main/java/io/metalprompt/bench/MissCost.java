package io.metalprompt.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.prompt.PromptArtifact;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;
import io.metalprompt.worker.ArtifactPrefixLoader;
import io.metalprompt.worker.PrefixCache;

/**
 * What one prefix-cache miss costs the worker: its own {@link ArtifactPrefixLoader} (the stored artifact and
 * registration read from Redis, the artifact decoded, the prefix built, the options tokenized), run in this JVM over the
 * system's Redis for many ready tasks; beside it, the artifact's read alone and its decoding alone
 * ({@link PromptArtifact#fromBytes}). The three are timed in turn for each task.
 */
final class MissCost {

    /** Medians in ms over {@code tasks} tasks (p90 of the whole load too). */
    record Result(int tasks, double loadMs, double loadP90Ms, double readMs, double decodeMs) {
    }

    private static final int WARM_UP = 20;

    private MissCost() {
    }

    /** Times the loader on {@code n} of {@code taskIds}, spread evenly over them, after a short warm-up. */
    static Result measure(Path root, String redisUrl, List<String> taskIds, int n) {
        Path base = root.resolve("models/base-lm");
        int count = Math.min(n, taskIds.size());
        double[] load = new double[count];
        double[] read = new double[count];
        double[] decode = new double[count];
        try (LanguageModel model = LanguageModel.load(base, LmSettings.cpu()); LmTokenizer tokenizer = LmTokenizer.load(base);
             RedisConnector redis = new RedisConnector(redisUrl, Duration.ofSeconds(5))) {
            TaskStore store = new TaskStore(redis);
            TaskPrompts prompts = new TaskPrompts(redis);
            ArtifactPrefixLoader loader = new ArtifactPrefixLoader(store, prompts, model, tokenizer);
            for (int i = -WARM_UP; i < count; i++) {
                String id = taskIds.get(Math.floorMod(i, count) * taskIds.size() / count);
                TaskRecord task = store.find(id).orElseThrow();
                long t0 = System.nanoTime();
                byte[] bytes = prompts.artifactFor(task).orElseThrow();
                long t1 = System.nanoTime();
                PromptArtifact.fromBytes(bytes);
                long t2 = System.nanoTime();
                PrefixCache.Entry entry = loader.load(task);
                long t3 = System.nanoTime();
                entry.prefix().close();
                if (i >= 0) {
                    read[i] = (t1 - t0) / 1e6;
                    decode[i] = (t2 - t1) / 1e6;
                    load[i] = (t3 - t2) / 1e6;
                }
            }
        }
        Arrays.sort(load);
        Arrays.sort(read);
        Arrays.sort(decode);
        Result r = new Result(count, Timing.percentile(load, 0.5), Timing.percentile(load, 0.9),
                Timing.percentile(read, 0.5), Timing.percentile(decode, 0.5));
        ServingBench.log(String.format(java.util.Locale.ROOT, "a miss (ArtifactPrefixLoader.load) over %d tasks: median "
                + "%.2f ms, p90 %.2f ms; artifact read %.2f ms, decoded %.2f ms", count, r.loadMs(), r.loadP90Ms(),
                r.readMs(), r.decodeMs()));
        return r;
    }
}
