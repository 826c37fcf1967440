package io.metalprompt.train;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.util.List;
import java.util.Map;

import io.metalprompt.tasks.Family;
import io.metalprompt.tasks.Lexicon;
import io.metalprompt.tasks.TaskExample;

/** Options for {@link CorpusSampler}; defaults in brackets. */
public final class CorpusSamplerBuilder {
    final HuggingFaceTokenizer tokenizer;
    final Lexicon lexicon;
    Map<String, List<TaskExample>> realTasks = Map.of();
    java.util.Set<Family> kinds;
    Map<String, Family> realFamilies = Map.of();
    List<String> remapPool;
    double realFraction = 0.25;
    double remapFraction = 0.3;
    double shuffleFraction = 0.2;
    double repeatProbability = 0.1;
    int minClasses = 2;
    int maxClasses = 4;
    int maxTokens = 224;
    long seed = 1;
    double burstFraction;
    int burstWords = 2;
    double plainFraction;
    double lookbackFraction;

    CorpusSamplerBuilder(HuggingFaceTokenizer tokenizer, Lexicon lexicon) {
        this.tokenizer = tokenizer;
        this.lexicon = lexicon;
    }

    /** The real meta-training tasks by name [none: all synthetic]. */
    public CorpusSamplerBuilder optRealTasks(Map<String, List<TaskExample>> tasks) {
        tasks.forEach((n, l) -> {
            if (l.isEmpty()) {
                throw new IllegalArgumentException("real task " + n + " has no examples");
            }
        });
        this.realTasks = tasks;
        return this;
    }

    /**
     * Draws each sequence's kind of rule uniformly from {@code kinds} (balanced families), then a real task of
     * that kind ({@code realFamilies} names each real task's kind; real tasks of other kinds are never used)
     * with probability {@link #optRealFraction}, else a synthetic one [unset: real tasks chosen uniformly, then
     * synthetic families in the proportions of the meta-training set, {@link SyntheticTasks#FAMILY_MIX}].
     */
    public CorpusSamplerBuilder optKinds(java.util.Collection<Family> kinds, Map<String, Family> realFamilies) {
        if (kinds.isEmpty()) {
            throw new IllegalArgumentException("no task kinds to train on");
        }
        this.kinds = java.util.EnumSet.copyOf(kinds);
        this.realFamilies = Map.copyOf(realFamilies);
        return this;
    }

    /** Share of sequences from real tasks, the rest synthetic [0.25]. */
    public CorpusSamplerBuilder optRealFraction(double f) {
        this.realFraction = fraction("realFraction", f);
        return this;
    }

    /** Share of sequences whose label words are replaced by fresh random words [0.3]. */
    public CorpusSamplerBuilder optRemapFraction(double f) {
        this.remapFraction = fraction("remapFraction", f);
        return this;
    }

    /** Share of the real-task sequences not remapped whose label words are permuted among themselves [0.2]. */
    public CorpusSamplerBuilder optShuffleFraction(double f) {
        this.shuffleFraction = fraction("shuffleFraction", f);
        return this;
    }

    /** Words fresh labels are drawn from [the lexicon's label words]. */
    public CorpusSamplerBuilder optRemapPool(List<String> words) {
        this.remapPool = List.copyOf(words);
        return this;
    }

    /**
     * Share of synthetic sequences that are "bursty": each category limited to {@code words} content words for
     * the whole sequence, so the query's content word recurs in earlier demonstrations [0: none].
     */
    public CorpusSamplerBuilder optBurst(double fraction, int words) {
        this.burstFraction = fraction("burstFraction", fraction);
        if (words < 1) {
            throw new IllegalArgumentException("burst words must be at least 1, got " + words);
        }
        this.burstWords = words;
        return this;
    }

    /** Share of synthetic sequences whose sentences hold only the words the task's rule reads [0]. */
    public CorpusSamplerBuilder optPlainFraction(double f) {
        this.plainFraction = fraction("plainFraction", f);
        return this;
    }

    /**
     * Share of look-back sequences [0]: triples {@code a z a} with the loss on the third token, which train a
     * previous-token head directly (see {@link CorpusSampler#lookback}).
     */
    public CorpusSamplerBuilder optLookbackFraction(double f) {
        this.lookbackFraction = fraction("lookbackFraction", f);
        return this;
    }

    /** Chance that a demonstration repeats an earlier one of the same sequence [0.1]. */
    public CorpusSamplerBuilder optRepeatProbability(double p) {
        this.repeatProbability = fraction("repeatProbability", p);
        return this;
    }

    /** Fewest classes per task [2]. */
    public CorpusSamplerBuilder optMinClasses(int n) {
        this.minClasses = n;
        return this;
    }

    /** Most classes per task, for a curriculum [4]. */
    public CorpusSamplerBuilder optMaxClasses(int n) {
        this.maxClasses = n;
        return this;
    }

    /** Longest sequence in tokens [224]. */
    public CorpusSamplerBuilder optMaxTokens(int n) {
        if (n < 8) {
            throw new IllegalArgumentException("maxTokens must be at least 8, got " + n);
        }
        this.maxTokens = n;
        return this;
    }

    /** Seed of the whole stream [1]. */
    public CorpusSamplerBuilder optSeed(long seed) {
        this.seed = seed;
        return this;
    }

    public CorpusSampler build() {
        if (minClasses < 2 || maxClasses < minClasses) {
            throw new IllegalArgumentException("need 2 <= minClasses <= maxClasses, got "
                    + minClasses + ", " + maxClasses);
        }
        List<String> pool = remapPool != null ? remapPool : lexicon.labels();
        if (pool.size() < maxClasses) {
            throw new IllegalArgumentException("remap pool of " + pool.size() + " words is smaller than "
                    + maxClasses + " classes");
        }
        return new CorpusSampler(this);
    }

    static double fraction(String name, double f) {
        if (!(f >= 0 && f <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1], got " + f);
        }
        return f;
    }
}
