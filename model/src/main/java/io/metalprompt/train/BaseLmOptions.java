package io.metalprompt.train;

import java.nio.file.Path;
import java.util.List;

import io.metalprompt.tasks.Family;

/**
 * Everything that defines a base-LM training run ({@link BaseLmTrainer}); recorded in {@code training.json}.
 * Built with {@link #builder(Path)}: every setting has a default, the {@code opt*} methods change one.
 *
 * @param kinds the kinds of rule drawn uniformly per sequence; empty = the legacy stream (real tasks uniformly, then
 *              synthetic families in the meta-training proportions)
 * @param positions the position table's size (the context length); read only when a run starts
 * @param initFrom a trained GPT-2 folder a new run starts from instead of random weights (null: from scratch); its
 *                 shape wins over layers/heads/d-model, its position table grows to {@code positions}
 */
public record BaseLmOptions(Path out, Path tasks, Path lexicon, Path tokenizer, long seed, int steps, int batchSize,
                            int maxTokens, int positions, int layers, int heads, int dModel, double lr, int warmupSteps,
                            double answerWeight, double tokenWeight, double realFraction, double remapFraction,
                            double repeatProbability, double burstFraction, int burstWords, double plainFraction,
                            double lookbackFraction, boolean sinusoidalPositions, List<Family> kinds, Path initFrom,
                            int curriculumSteps, int curriculumMaxTokens, int checkpointEvery, int stopAfter) {

    public BaseLmOptions {
        kinds = List.copyOf(kinds);
        if (maxTokens > positions || curriculumMaxTokens > positions) {
            throw new IllegalArgumentException("sequences of " + Math.max(maxTokens, curriculumMaxTokens)
                    + " tokens do not fit " + positions + " positions");
        }
        if (dModel % heads != 0) {
            throw new IllegalArgumentException("d-model " + dModel + " is not a multiple of " + heads + " heads");
        }
        if (steps <= 0 || batchSize <= 0 || checkpointEvery <= 0) {
            throw new IllegalArgumentException("steps, batch and checkpoint-every must be positive");
        }
    }

    public static Builder builder(Path out) {
        return new Builder(out);
    }

    /** Defaults in brackets; they are the command line's. */
    public static final class Builder {
        private final Path out;
        private Path tasks = Path.of("data/tasks.zip");
        private Path lexicon = Path.of("data/lexicon.json");
        private Path tokenizer = Path.of("data/tokenizer.json");
        private long seed = 1;
        private int steps = 6000;
        private int batchSize = 32;
        private int maxTokens = 224;
        private int positions = 256;
        private int layers = 4;
        private int heads = 4;
        private int dModel = 128;
        private double lr = 1e-3;
        private int warmupSteps = 200;
        private double answerWeight = 1.0;
        private double tokenWeight = 0.05;
        private double realFraction = 0.25;
        private double remapFraction = 0.5;
        private double repeatProbability = 0.2;
        private double burstFraction = 0.5;
        private int burstWords = 2;
        private double plainFraction;
        private double lookbackFraction;
        private boolean sinusoidalPositions;
        private List<Family> kinds = List.of();
        private Path initFrom;
        private int curriculumSteps = 1000;
        private int curriculumMaxTokens = 128;
        private int checkpointEvery = 100;
        private int stopAfter;

        private Builder(Path out) {
            this.out = out;
        }

        /** Task tree (folder or zip) with {@code train/} and, for {@link #optKinds}, {@code specs.json} [data/tasks.zip]. */
        public Builder optTasks(Path p) { tasks = p; return this; }
        /** [data/lexicon.json] */
        public Builder optLexicon(Path p) { lexicon = p; return this; }
        /** [data/tokenizer.json] */
        public Builder optTokenizer(Path p) { tokenizer = p; return this; }
        /** Seed of the initialisation and the corpus stream [1]. */
        public Builder optSeed(long s) { seed = s; return this; }
        /** Length of the schedule [6000]. */
        public Builder optSteps(int n) { steps = n; return this; }
        /** Sequences per step [32]. */
        public Builder optBatchSize(int n) { batchSize = n; return this; }
        /** Longest sequence [224]. */
        public Builder optMaxTokens(int n) { maxTokens = n; return this; }
        /** Context length of a new model [256]. */
        public Builder optPositions(int n) { positions = n; return this; }
        /** [4] */
        public Builder optLayers(int n) { layers = n; return this; }
        /** [4] */
        public Builder optHeads(int n) { heads = n; return this; }
        /** [128] */
        public Builder optDModel(int n) { dModel = n; return this; }
        /** Peak learning rate (cosine to a tenth) [1e-3]. */
        public Builder optLr(double v) { lr = v; return this; }
        /** [200] */
        public Builder optWarmupSteps(int n) { warmupSteps = n; return this; }
        /** Loss weight of label tokens [1]. */
        public Builder optAnswerWeight(double v) { answerWeight = v; return this; }
        /** Loss weight of the other tokens [0.05]. */
        public Builder optTokenWeight(double v) { tokenWeight = v; return this; }
        /** Share of sequences from real tasks [0.25]. */
        public Builder optRealFraction(double v) { realFraction = v; return this; }
        /** Share of sequences with fresh label words [0.5]. */
        public Builder optRemapFraction(double v) { remapFraction = v; return this; }
        /** Chance a demonstration repeats an earlier one [0.2]. */
        public Builder optRepeatProbability(double v) { repeatProbability = v; return this; }
        /** Bursty synthetic sequences: their share and words kept per category [0.5, 2]. */
        public Builder optBurst(double fraction, int words) { burstFraction = fraction; burstWords = words; return this; }
        /** Share of synthetic sequences with only the words the rule reads [0]. */
        public Builder optPlainFraction(double v) { plainFraction = v; return this; }
        /** Share of look-back sequences [0]. */
        public Builder optLookbackFraction(double v) { lookbackFraction = v; return this; }
        /** Position table from sine/cosine rows [false]. */
        public Builder optSinusoidalPositions(boolean v) { sinusoidalPositions = v; return this; }
        /** Kinds of rule drawn uniformly per sequence [none: the legacy family mix]. */
        public Builder optKinds(List<Family> v) { kinds = v; return this; }
        /** Start a new run from this trained GPT-2 folder [none: random weights]. */
        public Builder optInitFrom(Path p) { initFrom = p; return this; }
        /** First steps with 2-class tasks and short contexts, and their length [1000, 128]. */
        public Builder optCurriculum(int steps, int maxTokens) { curriculumSteps = steps; curriculumMaxTokens = maxTokens; return this; }
        /** [100] */
        public Builder optCheckpointEvery(int n) { checkpointEvery = n; return this; }
        /** Stop after this many steps of this run, leaving a checkpoint [0: run to the end]. */
        public Builder optStopAfter(int n) { stopAfter = n; return this; }

        public BaseLmOptions build() {
            return new BaseLmOptions(out, tasks, lexicon, tokenizer, seed, steps, batchSize, maxTokens, positions,
                    layers, heads, dModel, lr, warmupSteps, answerWeight, tokenWeight, realFraction, remapFraction,
                    repeatProbability, burstFraction, burstWords, plainFraction, lookbackFraction, sinusoidalPositions,
                    kinds, initFrom, curriculumSteps, curriculumMaxTokens, checkpointEvery, stopAfter);
        }
    }
}
