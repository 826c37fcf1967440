package io.metalprompt.prompt;

import io.metalprompt.events.PromptDesign;
import java.nio.file.Path;
import java.util.List;

import io.metalprompt.tasks.Family;

/**
 * Everything that defines a meta-training run ({@link MetaTrainer}); recorded in {@code pgm.json}'s options.
 * Built with {@link #builder(Path, Path)}: every setting has a default (the command line's), the {@code opt*}
 * methods change one.
 *
 * @param kinds the kinds of rule drawn uniformly per episode; empty = the legacy stream (real tasks, else synthetic
 *              tasks of the meta-training family mix)
 * @param passes the most passes of an episode: each step's episodes are read in 1 to {@code passes} passes of m
 *               examples each, every pass reading the previous pass's prompt (the paper's iterative generation);
 *               1 = single passes
 * @param initFrom a saved PGM folder whose parameters the run starts from (a warm start; same design, k and shapes),
 *                 or null for a fresh PGM; a checkpoint in {@code out} wins over it (resume)
 * @param lossEveryPass with passes > 1, score every pass's prompt and train on the mean ({@link ChainLoss}), not the
 *                      last pass's alone
 * @param passesKept how the saved PGM assembles a prompt from several passes ({@link PaddingLayout#passesKept}: the
 *                   last pass's prompt, 1, or the last n passes' side by side); recorded in {@code pgm.json}, not
 *                   used by training
 * @param average decay of the parameters' moving average that a finished run saves instead of its last values
 *                ({@link io.metalprompt.train.ParameterAverage}); 0 = the last values
 */
public record MetaTrainerOptions(Path out, Path base, Path tasks, Path lexicon, PromptDesign design, int k,
                                 PaddingPlacement placement, int loraRank, double loraAlpha, List<String> loraTargets,
                                 long seed, int steps, int episodes, int queries, int mMin, int mMax, int lMin, int lMax,
                                 double syntheticFraction, double remapFraction, List<Family> kinds, int passes,
                                 boolean lossEveryPass, int passesKept, double lr,
                                 int warmupSteps, double temperature, double clipNorm, double distill,
                                 double average, int checkpointEvery, int stopAfter, Path initFrom, String command) {

    public MetaTrainerOptions {
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
        if (!(average >= 0 && average < 1)) {
            throw new IllegalArgumentException("the average's decay must be 0 (off) or in (0, 1), got " + average);
        }
        if (!(distill >= 0)) {
            throw new IllegalArgumentException("distill must be >= 0, got " + distill);
        }
        if (placement == null) {
            throw new IllegalArgumentException("a padding placement is required");
        }
        if (passes < 1 || (passes > 1 && (distill > 0 || mMin < 1))) {
            throw new IllegalArgumentException("passes must be >= 1; iterative episodes (passes > 1) need m-min >= 1 "
                    + "and no distillation (its teacher reads one pass), got passes " + passes + ", m-min " + mMin
                    + ", distill " + distill);
        }
        if (passesKept < 1) {
            throw new IllegalArgumentException("passes kept must be >= 1 (1 = the last pass's prompt), got " + passesKept);
        }
        loraTargets = loraTargets == null ? List.of() : List.copyOf(loraTargets);
        kinds = kinds == null ? List.of() : List.copyOf(kinds);
    }

    /** A run writing to {@code out}, meta-training on the frozen base LM in folder {@code base}. */
    public static Builder builder(Path out, Path base) {
        return new Builder(out, base);
    }

    /** Defaults in brackets; they are the command line's. */
    public static final class Builder {
        private final Path out;
        private final Path base;
        private Path tasks = Path.of("data/tasks.zip");
        private Path lexicon = Path.of("data/lexicon.json");
        private PromptDesign design = PromptDesign.PREFIX;
        private int k = 16;
        private PaddingPlacement placement = PaddingPlacement.INTERLEAVED;
        private int loraRank = 8;
        private double loraAlpha = 16;
        private List<String> loraTargets = List.of();
        private long seed = 1;
        private int steps = 2000;
        private int episodes = 8;
        private int queries = 4;
        private int mMin = 4;
        private int mMax = 8;
        private int lMin;
        private int lMax = 2;
        private double syntheticFraction = 0.5;
        private double remapFraction = 0.5;
        private List<Family> kinds = List.of();
        private int passes = 1;
        private double lr = 1e-3;
        private int warmupSteps = 100;
        private double temperature = 1.0;
        private double clipNorm = 1.0;
        private double distill;
        private double average;
        private boolean lossEveryPass;
        private int passesKept = 1;
        private int checkpointEvery = 100;
        private int stopAfter;
        private Path initFrom;
        private String command = "";

        private Builder(Path out, Path base) {
            this.out = out;
            this.base = base;
        }

        /** Task tree (folder or zip) with {@code train/} and, for {@link #optKinds}, {@code specs.json} [data/tasks.zip]. */
        public Builder optTasks(Path p) { tasks = p; return this; }
        /** [data/lexicon.json] */
        public Builder optLexicon(Path p) { lexicon = p; return this; }
        /** What the prompt is [PREFIX]. */
        public Builder optDesign(PromptDesign d) { design = d; return this; }
        /** Prompt length: padding rows [16]. */
        public Builder optK(int n) { k = n; return this; }
        /** Where the padding rows stand in the PGM's pass [INTERLEAVED]. */
        public Builder optPlacement(PaddingPlacement p) { placement = p; return this; }
        /** LoRA rank and alpha [8, 16]. */
        public Builder optLora(int rank, double alpha) { loraRank = rank; loraAlpha = alpha; return this; }
        /** Projections LoRA adapts [none given: c_attn for GPT-2, q_proj and v_proj for Llama]. */
        public Builder optLoraTargets(List<String> v) { loraTargets = v; return this; }
        /** Seed of the PGM's initialisation and of every step's episodes [1]. */
        public Builder optSeed(long s) { seed = s; return this; }
        /** Length of the schedule [2000]. */
        public Builder optSteps(int n) { steps = n; return this; }
        /** Episodes per step and queries per episode [8, 4]. */
        public Builder optEpisodes(int perStep, int queriesPerEpisode) { episodes = perStep; queries = queriesPerEpisode; return this; }
        /** XP examples per episode, drawn from [min, max] [4, 8]. */
        public Builder optM(int min, int max) { mMin = min; mMax = max; return this; }
        /** XL demonstrations per episode, drawn from [min, max] [0, 2]. */
        public Builder optL(int min, int max) { lMin = min; lMax = max; return this; }
        /** Share of episodes from new synthetic tasks [0.5]. */
        public Builder optSyntheticFraction(double v) { syntheticFraction = v; return this; }
        /** Share of real-task episodes with remapped label words [0.5]. */
        public Builder optRemapFraction(double v) { remapFraction = v; return this; }
        /** Kinds of rule drawn uniformly per episode [none: the legacy mix]. */
        public Builder optKinds(List<Family> v) { kinds = v; return this; }
        /** Most passes per episode (iterative episodes); 1 = single passes [1]. */
        public Builder optPasses(int n) { passes = n; return this; }
        /** Score every pass's prompt, not only the last [false]. */
        public Builder optLossEveryPass(boolean v) { lossEveryPass = v; return this; }
        public Builder optPassesKept(int n) { passesKept = n; return this; }
        /** Peak learning rate (cosine to a tenth) and warm-up steps [1e-3, 100]. */
        public Builder optLr(double peak, int warmup) { lr = peak; warmupSteps = warmup; return this; }
        /** Gumbel-softmax temperature of DISCRETE prompts [1]. */
        public Builder optTemperature(double v) { temperature = v; return this; }
        /** Global gradient-norm clip, 0 = off [1]. */
        public Builder optClipNorm(double v) { clipNorm = v; return this; }
        /** Weight of the distillation term, 0 = the paper's loss [0]. */
        public Builder optDistill(double v) { distill = v; return this; }
        /** Decay of the saved moving average of the parameters, 0 = save the last values [0]. */
        public Builder optAverage(double decay) { average = decay; return this; }
        /** [100] */
        public Builder optCheckpointEvery(int n) { checkpointEvery = n; return this; }
        /** Stop after this many steps of this run, leaving a checkpoint [0: run to the end]. */
        public Builder optStopAfter(int n) { stopAfter = n; return this; }
        /** Start from this saved PGM's parameters instead of a fresh PGM [none]. */
        public Builder optInitFrom(Path dir) { initFrom = dir; return this; }
        /** The command line, recorded in {@code pgm.json} [""]. */
        public Builder optCommand(String s) { command = s; return this; }

        public MetaTrainerOptions build() {
            return new MetaTrainerOptions(out, base, tasks, lexicon, design, k, placement, loraRank, loraAlpha,
                    loraTargets, seed, steps, episodes, queries, mMin, mMax, lMin, lMax, syntheticFraction,
                    remapFraction, kinds, passes, lossEveryPass, passesKept, lr, warmupSteps, temperature, clipNorm, distill, average, checkpointEvery,
                    stopAfter,
                    initFrom, command);
        }
    }
}
