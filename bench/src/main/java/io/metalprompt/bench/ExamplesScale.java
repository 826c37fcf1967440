package io.metalprompt.bench;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.prompt.GeneratedPrompt;
import io.metalprompt.prompt.PromptGenerator;
import io.metalprompt.tasks.TaskExample;

/**
 * Cost against examples per task (issue 18, item 4b): a task of k examples gets its prompt in one PGM pass or, when
 * the examples do not fit one, in iterative passes (each reading the previous prompt and the next chunk). Measured two
 * ways: through the running system ({@link #served}: the development tasks' k-example sets registered through the
 * gateway one at a time, time until each prompt event, the prompt-generator's own generation timer; then requests over
 * those tasks), and in this JVM ({@link #generated}: the shipped PREFIX PGM on the same sets, one task at a time and all
 * in one batched call, interleaved run by run).
 */
final class ExamplesScale {

    /** What the running system showed for tasks of {@code examples} examples. */
    record Served(int examples, int tasks, double readyP50Ms, double readyMaxMs, double generatorMs,
                  ZipfLoad.Result serving) {
    }

    /** What the PGM in this JVM showed for the same sets: passes per task, and median ms per task. */
    record Generated(int examples, int minPasses, int maxPasses, double singleMs, double batchedMs) {
    }

    private ExamplesScale() {
    }

    /**
     * Registers each of {@code sets} (k examples each) through the gateway and waits for its prompt event before the
     * next, then measures requests over those tasks.
     */
    static Served served(int k, List<List<TaskExample>> sets, List<List<String>> inputs, GatewayClient gateway,
                         PromptEventClock events, LocalSystem system, ScaleOptions o) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        MetricSums before = MetricSums.scrape(http, system.promptGeneratorManagement());
        double[] ready = new double[sets.size()];
        List<String> ids = new ArrayList<>();
        for (int s = 0; s < sets.size(); s++) {
            long sent = System.currentTimeMillis();
            String id = gateway.submit(sets.get(s));
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!events.seenAll(List.of(id))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("task " + id + " (" + k + " examples) had no prompt event within 2 min");
                }
                Thread.sleep(5);
            }
            if (events.failed(List.of(id)) > 0) {
                throw new IllegalStateException("task " + id + " (" + k + " examples) failed");
            }
            ready[s] = events.at(id) - sent;
            ids.add(id);
        }
        MetricSums after = MetricSums.scrape(http, system.promptGeneratorManagement());
        Arrays.sort(ready);
        ServingBench.log(String.format(Locale.ROOT, "%d tasks of %d examples ready one after another: p50 %.0f ms, max %.0f ms",
                sets.size(), k, Timing.percentile(ready, 0.5), ready[ready.length - 1]));
        ZipfLoad load = new ZipfLoad(gateway, system.gatewayManagement(), system.workerManagement(), ids, t -> t, inputs,
                o.zipf, k);
        return new Served(k, sets.size(), Timing.percentile(ready, 0.5), ready[ready.length - 1],
                after.mean(before, MetricSums.Series.GENERATION, 1000),
                load.measure(o.examplesClients, o.warmup, o.requests, 31L * k));
    }

    /**
     * The shipped PREFIX PGM in this JVM on {@code setsByK.get(i)} (the sets of {@code examples[i]} examples):
     * passes per task, and median ms per task generating them one at a time and all in one batched call.
     */
    static List<Generated> generated(Path root, int[] examples, List<List<List<TaskExample>>> setsByK, int runs) {
        Path base = root.resolve("models/base-lm");
        try (LanguageModel lm = LanguageModel.load(base, LmSettings.cpu()); LmTokenizer tokenizer = LmTokenizer.load(base);
             PromptGenerator pgm = prefixPgm(lm, root.resolve("models/pgm"))) {
            List<Supplier<Object>> cases = new ArrayList<>();
            for (List<List<TaskExample>> sets : setsByK) {
                cases.add(() -> {
                    sets.forEach(set -> pgm.generateIterative(set, tokenizer).close());
                    return null;
                });
                cases.add(() -> {
                    pgm.generateIterativeAll(sets, tokenizer).forEach(GeneratedPrompt::close);
                    return null;
                });
            }
            ServingBench.log("timing the PGM in this JVM: " + runs + " runs of " + cases.size() + " cases");
            @SuppressWarnings("unchecked")
            double[] medians = Timing.interleavedMedians(runs, 1, cases.toArray(new Supplier[0]));
            List<Generated> out = new ArrayList<>();
            for (int i = 0; i < examples.length; i++) {
                List<List<TaskExample>> sets = setsByK.get(i);
                int[] passes = sets.stream().mapToInt(set -> pgm.passes(set, tokenizer)).toArray();
                out.add(new Generated(examples[i], Arrays.stream(passes).min().orElse(0),
                        Arrays.stream(passes).max().orElse(0), medians[2 * i] / sets.size(),
                        medians[2 * i + 1] / sets.size()));
            }
            return out;
        }
    }

    private static PromptGenerator prefixPgm(LanguageModel lm, Path folder) {
        for (Path dir : PromptGenerator.folders(folder)) {
            PromptGenerator pgm = PromptGenerator.load(lm, dir);
            if (pgm.design() == PromptDesign.PREFIX) {
                return pgm;
            }
            pgm.close();
        }
        throw new IllegalStateException("no PREFIX PGM under " + folder);
    }
}
