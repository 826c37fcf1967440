package io.metalprompt.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.metalprompt.lm.BatchScorer;
import io.metalprompt.lm.KvCache;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.prompt.TaskConditioner;
import io.metalprompt.tasks.TaskConfig;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.text.IclFormat;

/**
 * MetaICL-style evaluation: for every test task of a config and every seed, the task's k-shot examples
 * condition the model once ({@link TaskConditioner}); then every test input is scored against every option
 * (sum of option-token log-likelihoods) and the best option is the prediction. Macro-F1 and accuracy per
 * seed, averaged over seeds, then over tasks.
 */
public final class Evaluator {

    /** Per task: the seed-averaged score and the per-seed scores. */
    public record TaskResult(Metrics.Score mean, Map<Integer, Metrics.Score> seeds) {
    }

    /** The whole run. */
    public record Report(String method, Metrics.Score mean, Map<String, TaskResult> tasks, Costs costs) {
    }

    /**
     * What the method costs, averaged over task-seeds: time to condition on a task's examples (for
     * MetaL-Prompt: the PGM pass, the target LM's pass over [prompt; XL] and building the stored artifact),
     * context positions in front of every query, bytes of that prefix's keys/values (what a worker caches),
     * bytes stored per task ({@link TaskConditioner#lastStoredBytes}), and scoring time per query (batches of
     * {@value #QUERIES_PER_BATCH}, all options).
     */
    public record Costs(double conditionMillis, double prefixPositions, double prefixBytes, double storedBytes,
                        double queryMillis) {
    }

    private static final int QUERIES_PER_BATCH = 32;

    private final LanguageModel model;
    private final LmTokenizer tokenizer;
    private final BatchScorer scorer;
    private double conditionNanos;
    private double positions;
    private double prefixBytes;
    private double storedBytes;
    private double queryNanos;
    private long queries;
    private long conditioned;

    public Evaluator(LanguageModel model, LmTokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.scorer = new BatchScorer(model);
    }

    /** Evaluates {@code config}'s test tasks under {@code tasksRoot} with k examples per seed. */
    public Report run(Path tasksRoot, TaskConfig config, int k, List<Integer> seeds, TaskConditioner method,
                      Consumer<String> progress) {
        Map<String, TaskResult> results = new LinkedHashMap<>();
        for (String task : config.test()) {
            Map<Integer, Metrics.Score> perSeed = new LinkedHashMap<>();
            Path root = rootOf(tasksRoot, task);
            List<TaskExample> test = TaskLoader.loadTest(root, task);
            for (int seed : seeds) {
                List<TaskExample> examples = TaskLoader.loadFewShot(root, task, k, seed);
                perSeed.put(seed, evaluate(examples, test, method));
            }
            TaskResult r = new TaskResult(average(new ArrayList<>(perSeed.values())), perSeed);
            results.put(task, r);
            progress.accept(String.format(java.util.Locale.ROOT, "%s: macro-F1 %.4f accuracy %.4f", task,
                    r.mean().macroF1(), r.mean().accuracy()));
        }
        Metrics.Score mean = average(results.values().stream().map(TaskResult::mean).toList());
        return new Report(method.name(), mean, results, costs());
    }

    /** The costs of everything evaluated so far by this evaluator. */
    public Costs costs() {
        double n = Math.max(1, conditioned);
        return new Costs(conditionNanos / n / 1e6, positions / n, prefixBytes / n, storedBytes / n,
                queryNanos / Math.max(1, queries) / 1e6);
    }

    /**
     * The folder holding {@code task}'s folder: {@code tasksRoot} itself (MetaICL layout), or its {@code dev/}
     * or {@code train/} part (the layout of the shipped task tree, {@code data/tasks.zip}).
     */
    static Path rootOf(Path tasksRoot, String task) {
        for (Path candidate : List.of(tasksRoot, tasksRoot.resolve("dev"), tasksRoot.resolve("train"))) {
            if (java.nio.file.Files.isDirectory(candidate.resolve(task))) {
                return candidate;
            }
        }
        return tasksRoot;   // the loader names the missing folder
    }

    /** One task and seed: condition on {@code examples}, predict {@code test}. */
    public Metrics.Score evaluate(List<TaskExample> examples, List<TaskExample> test, TaskConditioner method) {
        List<String> options = test.get(0).options();
        List<long[]> optionIds = options.stream().map(o -> tokenizer.encode(IclFormat.renderAnswer(o))).toList();
        List<String> gold = new ArrayList<>();
        List<String> predicted = new ArrayList<>();
        long t0 = System.nanoTime();
        try (KvCache prefix = method.condition(examples)) {
            conditionNanos += System.nanoTime() - t0;
            conditioned++;
            long prefixLength = prefix == null ? 0 : prefix.length();
            positions += prefixLength;
            prefixBytes += prefix == null ? 0 : bytes(prefix);
            storedBytes += method.lastStoredBytes();
            for (int from = 0; from < test.size(); from += QUERIES_PER_BATCH) {
                List<TaskExample> chunk = test.subList(from, Math.min(test.size(), from + QUERIES_PER_BATCH));
                List<BatchScorer.Query> queries = new ArrayList<>();
                for (TaskExample e : chunk) {
                    long[] ids = tokenizer.encode(IclFormat.queryText(e.input(), prefix != null));
                    int longestOption = optionIds.stream().mapToInt(o -> o.length).max().orElse(0);
                    if (prefixLength + ids.length + longestOption > model.config().maxPositions()) {
                        throw new IllegalArgumentException("task " + e.task() + ": prefix (" + prefixLength
                                + " positions) + query (" + ids.length + " tokens) exceeds the model's "
                                + model.config().maxPositions() + " positions");
                    }
                    queries.add(new BatchScorer.Query(prefix, ids, optionIds));
                }
                long q0 = System.nanoTime();
                double[][] scores = scorer.score(queries);
                queryNanos += System.nanoTime() - q0;
                this.queries += queries.size();
                for (int i = 0; i < chunk.size(); i++) {
                    gold.add(chunk.get(i).output());
                    predicted.add(options.get(argMax(scores[i])));
                }
            }
        }
        return Metrics.score(options, gold, predicted);
    }

    private static long bytes(KvCache cache) {
        long total = 0;
        for (ai.djl.ndarray.NDArray a : cache.keys()) {
            total += a.size() * a.getDataType().getNumOfBytes();
        }
        for (ai.djl.ndarray.NDArray a : cache.values()) {
            total += a.size() * a.getDataType().getNumOfBytes();
        }
        return total;
    }

    static int argMax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    static Metrics.Score average(List<Metrics.Score> scores) {
        double f1 = scores.stream().mapToDouble(Metrics.Score::macroF1).average().orElse(0);
        double acc = scores.stream().mapToDouble(Metrics.Score::accuracy).average().orElse(0);
        return new Metrics.Score(f1, acc);
    }
}
