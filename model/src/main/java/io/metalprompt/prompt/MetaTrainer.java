package io.metalprompt.prompt;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.tasks.Family;
import io.metalprompt.tasks.Lexicon;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.tasks.TaskSpecs;
import io.metalprompt.train.AdamW;
import io.metalprompt.train.Params;
import io.metalprompt.train.TrainingLoop;

/**
 * Meta-trains a {@link PromptGenerator} on episodes ({@link EpisodeSampler}): m XP examples for the PGM, l XL
 * demonstrations after the prompt and a batch of queries of one task; the loss is the frozen target LM's
 * cross-entropy on the queries' answers ({@link PromptLoss}). m and l are drawn per episode from [mMin, mMax] and
 * [lMin, lMax], so one PGM serves a range of (m, l). Only LoRA and padding parameters train.
 *
 * <p>Output folder: {@code pgm.json} + {@code adapter.safetensors} ({@link PromptGenerator#save}),
 * {@code curve.csv}, {@code loss.png}; {@code checkpoint/} (parameters, AdamW moments, step) as
 * {@link TrainingLoop} writes it. Each step's episodes and Gumbel noise come from a generator seeded by
 * (seed, step), so a resumed run computes exactly what an uninterrupted one does.
 */
public final class MetaTrainer {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHECKPOINT_PARAMS = "pgm.safetensors";

    private final MetaTrainerOptions o;
    private final PrintStream log;

    public MetaTrainer(MetaTrainerOptions options, PrintStream log) {
        this.o = options;
        this.log = log;
    }

    /** Runs or resumes to {@code steps} (or {@code stopAfter} steps of this run); returns the mean loss of the last 20 steps. */
    public double run() {
        try (LanguageModel base = LanguageModel.load(o.base(), LmSettings.cpu());
             LmTokenizer tokenizer = LmTokenizer.load(o.base())) {
            Lexicon lexicon = Lexicon.read(o.lexicon());
            EpisodeSampler episodes = episodes(lexicon);
            List<String> targets = o.loraTargets().isEmpty() ? LoraAdapter.defaultTargets(base.config()) : o.loraTargets();
            try (PromptGenerator pgm = PromptGenerator.create(base, new LoraAdapter.Config(o.loraRank(), o.loraAlpha(),
                    targets), TrainablePadding.defaultConfig(o.k(), base.config().dModel()), o.design(),
                    PaddingLayout.of(o.placement(), tokenizer).withExamplesPerPass(o.passes() > 1 ? o.mMax() : 0)
                            .withPassesKept(o.passesKept()), o.seed());
                 AdamW optimizer = AdamW.builder().optWeightDecay(0).optClipNorm(o.clipNorm()).build(base.manager())) {
                if (o.initFrom() != null) {
                    warmStart(pgm, base);
                }
                pgm.setTrainable(true);
                TrainingLoop.Result result = TrainingLoop.builder(o.out(), o.steps()).optLr(o.lr(), o.warmupSteps())
                        .optCheckpointEvery(o.checkpointEvery()).optStopAfter(o.stopAfter()).optProgressEvery(10)
                        .optAverage(o.average())
                        .optCurve(List.of("loss", "first_token_acc"),
                                "PGM meta-training (" + o.design() + "): loss, first-token accuracy")
                        .build(log)
                        .run(optimizer, trainee(pgm), step -> step(pgm, episodes, tokenizer, step));
                pgm.setTrainable(false);
                if (!result.finished()) {
                    return Double.NaN;
                }
                double loss = result.meanOfLast(20);
                pgm.save(o.out(), o.out().toAbsolutePath().normalize().getFileName().toString(), extra(loss));
                return loss;
            }
        }
    }

    /**
     * Copies a saved PGM's parameters into the fresh one (a warm start). The saved PGM must have been trained on this
     * base (its fingerprint is checked) with the same design and k; LoRA and padding shapes must match. On a resume the
     * checkpoint, restored afterwards, overwrites these values.
     */
    private void warmStart(PromptGenerator pgm, LanguageModel base) {
        try (PromptGenerator from = PromptGenerator.load(base, o.initFrom())) {
            if (from.design() != pgm.design() || from.k() != pgm.k()) {
                throw new IllegalArgumentException("--init-from " + o.initFrom() + " is a " + from.design() + " PGM with k "
                        + from.k() + "; this run trains " + pgm.design() + " with k " + pgm.k());
            }
            Params.copy(from.parameters(), pgm.parameters(), "--init-from " + o.initFrom());
        }
        log.printf(Locale.ROOT, "warm start from %s%n", o.initFrom());
    }

    /** One step: {@code episodes} episodes from a generator seeded by (seed, step), PGM forward, loss, backward. */
    private TrainingLoop.StepResult step(PromptGenerator pgm, EpisodeSampler sampler, LmTokenizer tokenizer, long step) {
        Random rnd = new Random(o.seed() * 1_000_003L + step);
        int passes = o.passes() == 1 ? 1 : 1 + rnd.nextInt(o.passes());   // no draw at 1: older streams unchanged
        List<Episode> episodes = new java.util.ArrayList<>();
        for (int e = 0; e < o.episodes(); e++) {
            episodes.add(sampler.episode(tokenizer, rnd, passes));
        }
        try (NDManager m = pgm.base().manager().newSubManager(); NDScope scope = new NDScope();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            PromptGenerator.Gumbel gumbel = new PromptGenerator.Gumbel(o.temperature(), rnd);
            PromptLoss.Result r = ChainLoss.compute(pgm, m, episodes, gumbel, o.lossEveryPass(), o.distill());
            gc.backward(r.loss());
            double acc = r.firstTokenAccuracy();
            return new TrainingLoop.StepResult(r.loss().getFloat(), new double[] {acc},
                    String.format(Locale.ROOT, "acc %.2f ", acc), tokens(episodes));
        }
    }

    /** The PGM's parameters, kept in the checkpoint as {@value #CHECKPOINT_PARAMS}. */
    private static TrainingLoop.Trainee trainee(PromptGenerator pgm) {
        return TrainingLoop.Trainee.ofParameters(pgm.parameters(), CHECKPOINT_PARAMS);
    }

    /** Real training tasks (none when every episode is synthetic) and, with kinds, the kind of each. */
    private EpisodeSampler episodes(Lexicon lexicon) {
        Map<String, List<TaskExample>> real = new LinkedHashMap<>();
        Map<String, Family> kinds = new LinkedHashMap<>();
        if (o.syntheticFraction() < 1) {
            try (TaskRoot root = TaskRoot.open(o.tasks())) {
                for (String task : TaskLoader.listTasks(root.resolve("train"))) {
                    real.put(task, TaskLoader.loadTrain(root.resolve("train"), task));
                }
                Path specs = root.resolve("specs.json");
                if (!o.kinds().isEmpty() && !Files.exists(specs)) {
                    log.printf(Locale.ROOT, "%s has no specs.json: real tasks have no kind and are not used with "
                            + "--kinds%n", o.tasks());
                } else if (!o.kinds().isEmpty()) {
                    TaskSpecs.read(specs, "train").forEach(s -> kinds.put(s.name(), s.family()));
                }
            }
        }
        return new EpisodeSampler(o, lexicon, real, kinds);
    }

    /** What {@code pgm.json} records beside the PGM: the command line, the options, the final loss. */
    private Map<String, Object> extra(double loss) {
        ObjectNode options = JSON.valueToTree(o);
        options.put("out", o.out().toString());
        options.put("base", o.base().toString());
        options.put("tasks", o.tasks().toString());
        options.put("lexicon", o.lexicon().toString());
        options.put("initFrom", o.initFrom() == null ? null : o.initFrom().toString());
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("command", o.command() == null ? "" : o.command());
        extra.put("options", options);
        extra.put("final_loss_last20", loss);
        return extra;
    }

    /** Tokens one step reads: the PGM's XP plus every target row (XL, query, answer). */
    private static long tokens(List<Episode> episodes) {
        long n = 0;
        for (Episode e : episodes) {
            n += e.xp().length + e.earlier().stream().mapToInt(x -> x.length).sum();
            for (int i = 0; i < e.queries().size(); i++) {
                n += e.xl().length + e.queries().get(i).length + e.answers().get(i).length;
            }
        }
        return n;
    }
}
