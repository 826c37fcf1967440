package io.metalprompt.prompt;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.tasks.Lexicon;
import io.metalprompt.tasks.SyntheticTasks;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.tasks.TaskSpec;
import io.metalprompt.train.AdamW;
import io.metalprompt.train.Checkpoint;
import io.metalprompt.train.LossCurve;
import io.metalprompt.train.LrSchedule;
import io.metalprompt.train.Progress;

/**
 * Meta-trains a {@link PromptGenerator} on episodes: a task (a real meta-training task, its label words
 * remapped at random some of the time, or a new {@link SyntheticTasks} task), m XP examples for the PGM, l XL
 * demonstrations after the prompt and a batch of queries; the loss is the frozen target LM's cross-entropy on
 * the queries' answers ({@link PromptLoss}). m and l are drawn per episode from [mMin, mMax] and [lMin, lMax],
 * so one PGM serves a range of (m, l). Only LoRA and padding parameters train.
 *
 * <p>Output folder: {@code pgm.json} + {@code adapter.safetensors} ({@link PromptGenerator#save}),
 * {@code curve.csv}, {@code loss.png}. {@code checkpoint/} (parameters, AdamW moments, step) is written
 * atomically every {@code checkpointEvery} steps; a run started again on the same folder resumes from it.
 * Each step's episodes and Gumbel noise come from a generator seeded by (seed, step), so a resumed run
 * computes exactly what an uninterrupted one does.
 */
public final class MetaTrainer {

    /** Everything that defines a run; recorded in {@code pgm.json}. */
    public record Options(Path out, Path base, Path tasks, Path lexicon, PromptDesign design, int k,
                          PaddingPlacement placement, int loraRank,
                          double loraAlpha, List<String> loraTargets, long seed, int steps, int episodes, int queries,
                          int mMin, int mMax, int lMin, int lMax, double syntheticFraction, double remapFraction,
                          double lr, int warmupSteps, double temperature, double clipNorm, double distill,
                          int checkpointEvery, int stopAfter, String command) {
        public Options {
            if (mMin < 0 || mMax < mMin || lMin < 0 || lMax < lMin) {
                throw new IllegalArgumentException("need 0 <= m-min <= m-max and 0 <= l-min <= l-max, got m in [" + mMin
                        + ", " + mMax + "], l in [" + lMin + ", " + lMax + "]");
            }
            if (k <= 0 || steps <= 0 || episodes <= 0 || queries <= 0 || checkpointEvery <= 0) {
                throw new IllegalArgumentException("k, steps, episodes, queries and checkpoint-every must be positive");
            }
            if (syntheticFraction < 0 || syntheticFraction > 1 || remapFraction < 0 || remapFraction > 1) {
                throw new IllegalArgumentException("fractions must be in [0, 1]");
            }
            if (!(distill >= 0)) {
                throw new IllegalArgumentException("distill must be >= 0, got " + distill);
            }
            loraTargets = loraTargets == null ? List.of() : List.copyOf(loraTargets);
            if (placement == null) {
                throw new IllegalArgumentException("a padding placement is required");
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String CHECKPOINT_PARAMS = "pgm.safetensors";

    private final Options o;
    private final PrintStream log;

    public MetaTrainer(Options options, PrintStream log) {
        this.o = options;
        this.log = log;
    }

    /** Runs or resumes to {@code steps} (or {@code stopAfter} steps of this run); returns the mean loss of the last 20 steps. */
    public double run() {
        Path checkpoint = o.out().resolve("checkpoint");
        try (LanguageModel base = LanguageModel.load(o.base(), LmSettings.cpu());
             LmTokenizer tokenizer = LmTokenizer.load(o.base())) {
            Lexicon lexicon = Lexicon.read(o.lexicon());
            SyntheticTasks synthetic = new SyntheticTasks(lexicon);
            Map<String, List<TaskExample>> real = new LinkedHashMap<>();
            if (o.syntheticFraction() < 1) {
                try (TaskRoot root = TaskRoot.open(o.tasks())) {
                    for (String task : TaskLoader.listTasks(root.resolve("train"))) {
                        real.put(task, TaskLoader.loadTrain(root.resolve("train"), task));
                    }
                }
            }
            List<String> targets = o.loraTargets().isEmpty() ? LoraAdapter.defaultTargets(base.config()) : o.loraTargets();
            try (PromptGenerator pgm = PromptGenerator.create(base, new LoraAdapter.Config(o.loraRank(), o.loraAlpha(), targets),
                    TrainablePadding.defaultConfig(o.k(), base.config().dModel()), o.design(), o.placement(),
                    o.placement() == PaddingPlacement.INTERLEAVED ? PromptGenerator.terminatorId(tokenizer) : -1, o.seed());
                 AdamW optimizer = AdamW.builder().optWeightDecay(0).optClipNorm(o.clipNorm()).build(base.manager())) {
                Map<String, NDArray> params = pgm.parameters();
                long start = 0;
                LossCurve curve = new LossCurve(o.out().resolve("curve.csv"), List.of("loss", "first_token_acc"));
                if (Files.exists(checkpoint.resolve("state.json"))) {
                    try (NDManager m = NDManager.newBaseManager()) {
                        Params.copy(io.metalprompt.lm.Safetensors.read(checkpoint.resolve(CHECKPOINT_PARAMS), m), params,
                                "checkpoint " + checkpoint);
                    }
                    optimizer.load(checkpoint.resolve("optimizer.safetensors"));
                    start = optimizer.steps();
                    curve.truncateAfter(start);
                    log.printf(Locale.ROOT, "resuming %s at step %d%n", o.out(), start);
                }
                pgm.setTrainable(true);
                LrSchedule schedule = new LrSchedule(o.lr(), o.lr() / 10, o.warmupSteps(), o.steps());
                Progress progress = new Progress(log, start, o.steps(), 10);
                long end = o.stopAfter() > 0 ? Math.min(o.steps(), start + o.stopAfter()) : o.steps();
                List<Double> recent = new ArrayList<>();
                for (long step = start; step < end; step++) {
                    Random rnd = new Random(o.seed() * 1_000_003L + step);
                    List<Episode> episodes = new ArrayList<>();
                    for (int e = 0; e < o.episodes(); e++) {
                        episodes.add(episode(tokenizer, synthetic, lexicon, real, rnd));
                    }
                    double[] stats;
                    try (NDManager m = base.manager().newSubManager(); NDScope scope = new NDScope();
                         GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        PromptBatch prompts = pgm.forward(m, episodes.stream().map(Episode::xp).toList(),
                                new PromptGenerator.Gumbel(o.temperature(), rnd));
                        PromptLoss.Result r = PromptLoss.compute(base, m, prompts, episodes, o.distill());
                        gc.backward(r.loss());
                        stats = new double[] {r.loss().getFloat(), r.firstTokenAccuracy()};
                    }
                    double lr = schedule.at(step);
                    long done = step + 1;
                    if (!Double.isFinite(stats[0])) {
                        // a non-finite loss would turn every parameter into NaN through the update: drop the step
                        log.printf(Locale.ROOT, "%nstep %d: non-finite loss %s, update skipped%n", done, stats[0]);
                        optimizer.skip(params);
                        curve.append(done, Double.NaN, stats[1]);
                        continue;
                    }
                    double gradNorm = optimizer.step(params, lr);
                    if (AdamW.isSkipped(gradNorm)) {
                        log.printf(Locale.ROOT, "%nstep %d: non-finite gradient (loss %.4f), update skipped%n", done, stats[0]);
                    }
                    curve.append(done, stats[0], stats[1]);
                    progress.update(done, stats[0], String.format(Locale.ROOT, "acc %.2f lr %.1e |g| %.2f", stats[1], lr,
                            gradNorm), tokens(episodes));
                    recent.add(stats[0]);
                    if (recent.size() > 20) {
                        recent.remove(0);
                    }
                    if (done % o.checkpointEvery() == 0 || done == end) {
                        Checkpoint.write(checkpoint,
                                dir -> io.metalprompt.lm.Safetensors.write(dir.resolve(CHECKPOINT_PARAMS), params), optimizer);
                        curve.plot(o.out().resolve("loss.png"), "PGM meta-training (" + o.design() + "): loss, first-token accuracy");
                    }
                }
                pgm.setTrainable(false);
                if (end < o.steps()) {
                    log.printf(Locale.ROOT, "stopped at step %d of %d (--stop-after); run again to resume%n", end, o.steps());
                    return Double.NaN;
                }
                ObjectNode options = JSON.valueToTree(o);
                options.put("out", o.out().toString());
                options.put("base", o.base().toString());
                options.put("tasks", o.tasks().toString());
                options.put("lexicon", o.lexicon().toString());
                Map<String, Object> extra = new LinkedHashMap<>();
                extra.put("command", o.command() == null ? "" : o.command());
                extra.put("options", options);
                extra.put("final_loss_last20", recent.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
                pgm.save(o.out(), o.out().toAbsolutePath().normalize().getFileName().toString(), extra);
                return recent.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Tokens one step reads: the PGM's XP plus every target row (XL, query, answer). */
    private static long tokens(List<Episode> episodes) {
        long n = 0;
        for (Episode e : episodes) {
            n += e.xp().length;
            for (int i = 0; i < e.queries().size(); i++) {
                n += e.xl().length + e.queries().get(i).length + e.answers().get(i).length;
            }
        }
        return n;
    }

    /** One episode: a task, then m XP, l XL and Q query examples (distinct examples when the task has enough). */
    private Episode episode(LmTokenizer tokenizer, SyntheticTasks synthetic, Lexicon lexicon,
                            Map<String, List<TaskExample>> real, Random rnd) {
        int m = o.mMin() + rnd.nextInt(o.mMax() - o.mMin() + 1);
        int l = o.lMin() + rnd.nextInt(o.lMax() - o.lMin() + 1);
        int n = m + l + o.queries();
        List<TaskExample> ex;
        if (real.isEmpty() || rnd.nextDouble() < o.syntheticFraction()) {
            TaskSpec task = synthetic.newTask(rnd, 2, 4);
            ex = synthetic.examples(task, n, rnd);
        } else {
            List<String> names = new ArrayList<>(real.keySet());
            List<TaskExample> pool = real.get(names.get(rnd.nextInt(names.size())));
            ex = sample(pool, n, rnd);
            if (rnd.nextDouble() < o.remapFraction()) {
                ex = relabel(ex, lexicon, rnd);
            }
        }
        return Episode.of(tokenizer, ex.subList(0, m), ex.subList(m, m + l), ex.subList(m + l, n));
    }

    private static List<TaskExample> sample(List<TaskExample> pool, int n, Random rnd) {
        List<TaskExample> out = new ArrayList<>(n);
        if (pool.size() >= n) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < pool.size(); i++) {
                idx.add(i);
            }
            // partial Fisher-Yates: the first n indices, without repetition
            for (int i = 0; i < n; i++) {
                Collections.swap(idx, i, i + rnd.nextInt(pool.size() - i));
                out.add(pool.get(idx.get(i)));
            }
        } else {
            for (int i = 0; i < n; i++) {
                out.add(pool.get(rnd.nextInt(pool.size())));
            }
        }
        return out;
    }

    /** The task's label words replaced by distinct random label words of the lexicon (the same map for all examples). */
    private static List<TaskExample> relabel(List<TaskExample> ex, Lexicon lexicon, Random rnd) {
        List<String> options = ex.get(0).options();
        List<String> pool = new ArrayList<>(lexicon.labels());
        if (pool.size() < options.size()) {
            return ex;
        }
        Collections.shuffle(pool, rnd);
        Map<String, String> mapping = new LinkedHashMap<>();
        for (int i = 0; i < options.size(); i++) {
            mapping.put(options.get(i), pool.get(i));
        }
        return ex.stream().map(e -> e.relabel(mapping)).toList();
    }
}
