package io.metalprompt.train;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.metalprompt.tasks.Lexicon;
import io.metalprompt.tasks.SyntheticTasks;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskSpec;
import io.metalprompt.text.IclFormat;
import io.metalprompt.text.TokenizerBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Training sequences for a base LM that must learn in context: each sequence is a run of demonstrations of ONE
 * task in the {@link IclFormat} ({@code "x = y ; x = y ; ..."}), as many as fit in {@code maxTokens}, and
 * nothing else. A loss mask marks the label tokens after each {@code =} so training can weight answers.
 *
 * <p>Tasks come from the real meta-training tasks (a fraction) or from {@link SyntheticTasks} (unlimited, so a
 * small model cannot memorise them). Label words can be remapped to fresh random words or shuffled among the
 * task's own, consistently within a sequence, so the mapping must be read from the demonstrations; an input
 * may recur later in the sequence so copying its earlier label pays off.
 *
 * <p>Not thread-safe: one sampler per training loop; the seed fixes the whole stream.
 */
public final class CorpusSampler {

    /** Token ids of one sequence, its loss mask (1 on label tokens) and the demonstrations it renders. */
    public record Sequence(int[] ids, float[] lossMask, String task, List<TaskExample> demonstrations) {
    }

    /**
     * A batch padded with the pad id (mask 0 on padding) to its longest sequence; {@code lookback[i]} marks a row
     * that is a look-back sequence (no demonstrations: its masked tokens are not answers of a task).
     */
    public record Batch(int[][] ids, float[][] masks, boolean[] lookback) {
    }

    /** Task name of the look-back sequences ({@link Builder#optLookbackFraction}). */
    public static final String LOOKBACK = "lookback";

    private final HuggingFaceTokenizer tokenizer;
    private final SyntheticTasks synthetic;
    private final Lexicon lexicon;
    private final double burstFraction;
    private final int burstWords;
    private final double plainFraction;
    private final double lookbackFraction;
    private final int[] lookbackPool;
    private final Map<String, List<TaskExample>> realTasks;
    private final List<String> remapPool;
    private final double realFraction;
    private final double remapFraction;
    private final double shuffleFraction;
    private final double repeatProbability;
    private final int minClasses;
    private final int maxClasses;
    private final int maxTokens;
    private final SplittableRandom random;
    private final Map<String, int[]> cache = new HashMap<>();
    private final int padId;
    private final int terminatorId;

    private CorpusSampler(Builder b) {
        this.tokenizer = b.tokenizer;
        this.synthetic = new SyntheticTasks(b.lexicon);
        this.lexicon = b.lexicon;
        this.burstFraction = b.burstFraction;
        this.burstWords = b.burstWords;
        this.plainFraction = b.plainFraction;
        this.lookbackFraction = b.lookbackFraction;
        this.realTasks = new LinkedHashMap<>(b.realTasks);
        this.remapPool = List.copyOf(b.remapPool != null ? b.remapPool : b.lexicon.labels());
        this.realFraction = b.realFraction;
        this.remapFraction = b.remapFraction;
        this.shuffleFraction = b.shuffleFraction;
        this.repeatProbability = b.repeatProbability;
        this.minClasses = b.minClasses;
        this.maxClasses = b.maxClasses;
        this.maxTokens = b.maxTokens;
        this.random = new SplittableRandom(b.seed);
        this.padId = single(TokenizerBuilder.PAD);
        this.terminatorId = single(IclFormat.TERMINATOR);
        // single-token words of the task world, the tokens a look-back sequence is made of
        this.lookbackPool = java.util.stream.Stream.concat(b.lexicon.allWords().stream(), b.lexicon.labels().stream())
                .distinct().sorted().map(this::word).filter(ids -> ids.length == 1).mapToInt(ids -> ids[0])
                .distinct().toArray();
    }

    public static Builder builder(HuggingFaceTokenizer tokenizer, Lexicon lexicon) {
        return new Builder(tokenizer, lexicon);
    }

    public int padId() {
        return padId;
    }

    public int maxTokens() {
        return maxTokens;
    }

    /** The next training sequence. */
    public Sequence next() {
        if (lookbackFraction > 0 && random.nextDouble() < lookbackFraction) { // no draw at 0: older streams unchanged
            return lookback();
        }
        List<String> eligible = realTasks.entrySet().stream()
                .filter(e -> {
                    int k = e.getValue().get(0).options().size();
                    return k >= minClasses && k <= maxClasses;
                })
                .map(Map.Entry::getKey).toList();
        boolean real = !eligible.isEmpty() && random.nextDouble() < realFraction;
        String name;
        List<TaskExample> pool;
        TaskSpec spec = null;
        SyntheticTasks generator = synthetic;
        boolean plain = false;
        List<String> labels;
        if (real) {
            name = eligible.get(random.nextInt(eligible.size()));
            pool = realTasks.get(name);
            labels = pool.get(0).options();
        } else {
            spec = synthetic.newTask(random, minClasses, maxClasses);
            if (random.nextDouble() < burstFraction) {
                generator = new SyntheticTasks(lexicon.restrict(burstWords, random));
            }
            plain = plainFraction > 0 && random.nextDouble() < plainFraction; // no draw at 0: older streams unchanged
            name = spec.name();
            pool = null;
            labels = spec.labels();
        }
        Map<String, String> mapping = labelMapping(labels, real);

        List<TaskExample> demos = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        List<Float> mask = new ArrayList<>();
        for (int guard = 0; guard < 10 * maxTokens; guard++) {
            TaskExample e;
            if (!demos.isEmpty() && random.nextDouble() < repeatProbability) {
                e = demos.get(random.nextInt(demos.size()));
            } else {
                TaskExample raw = real ? pool.get(random.nextInt(pool.size())) : generator.example(spec, random, plain);
                e = raw.relabel(mapping);
            }
            List<Integer> eIds = new ArrayList<>();
            List<Float> eMask = new ArrayList<>();
            appendDemonstration(e, eIds, eMask);
            if (ids.size() + eIds.size() > maxTokens) {
                if (demos.isEmpty()) { // a single over-long demonstration: keep what fits
                    ids.addAll(eIds.subList(0, maxTokens));
                    mask.addAll(eMask.subList(0, maxTokens));
                    demos.add(e);
                }
                break;
            }
            ids.addAll(eIds);
            mask.addAll(eMask);
            demos.add(e);
        }
        int[] idArray = ids.stream().mapToInt(Integer::intValue).toArray();
        float[] maskArray = new float[mask.size()];
        for (int i = 0; i < maskArray.length; i++) {
            maskArray[i] = mask.get(i);
        }
        return new Sequence(idArray, maskArray, name, List.copyOf(demos));
    }

    /**
     * A look-back sequence: triples {@code a z a} of random single-token words, the loss on each third token. It is
     * predictable only by looking one token back from {@code z}, so it trains a previous-token attention head on its
     * own; that head is the first half of an induction circuit, whose two halves otherwise get gradient only from
     * each other (the plateau described in docs/base-lm.md).
     */
    private Sequence lookback() {
        int triples = Math.max(1, maxTokens / 3);
        int[] ids = new int[3 * triples];
        float[] mask = new float[ids.length];
        for (int n = 0; n < triples; n++) {
            int a = lookbackPool[random.nextInt(lookbackPool.length)];
            ids[3 * n] = a;
            ids[3 * n + 1] = lookbackPool[random.nextInt(lookbackPool.length)];
            ids[3 * n + 2] = a;
            mask[3 * n + 2] = 1f;
        }
        return new Sequence(ids, mask, LOOKBACK, List.of());
    }

    /** {@code size} sequences padded with the pad id to the longest. */
    public Batch batch(int size) {
        List<Sequence> seqs = new ArrayList<>(size);
        int longest = 0;
        for (int i = 0; i < size; i++) {
            Sequence s = next();
            seqs.add(s);
            longest = Math.max(longest, s.ids().length);
        }
        int[][] ids = new int[size][longest];
        float[][] masks = new float[size][longest];
        boolean[] lookback = new boolean[size];
        for (int i = 0; i < size; i++) {
            lookback[i] = LOOKBACK.equals(seqs.get(i).task());
            int[] src = seqs.get(i).ids();
            java.util.Arrays.fill(ids[i], padId);
            System.arraycopy(src, 0, ids[i], 0, src.length);
            System.arraycopy(seqs.get(i).lossMask(), 0, masks[i], 0, src.length);
        }
        return new Batch(ids, masks, lookback);
    }

    /** Token ids of {@code text}, as the scorer would get them for the same text. */
    public int[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        for (String w : text.trim().split("\\s+")) {
            if (!w.isEmpty()) {
                for (int id : word(w)) {
                    out.add(id);
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@code "{input} {output} ;"} as {@link IclFormat} renders it; only the output's tokens are scored. */
    private void appendDemonstration(TaskExample e, List<Integer> ids, List<Float> mask) {
        for (int id : encode(e.input())) {
            ids.add(id);
            mask.add(0f);
        }
        for (int id : encode(e.output())) {
            ids.add(id);
            mask.add(1f);
        }
        ids.add(terminatorId);
        mask.add(0f);
    }

    private Map<String, String> labelMapping(List<String> labels, boolean real) {
        Map<String, String> mapping = new HashMap<>();
        if (random.nextDouble() < remapFraction) {
            List<String> fresh = SyntheticTasks.sample(remapPool, labels.size(), random);
            for (int i = 0; i < labels.size(); i++) {
                mapping.put(labels.get(i), fresh.get(i));
            }
        } else if (real && random.nextDouble() < shuffleFraction) {
            List<String> shuffled = SyntheticTasks.sample(labels, labels.size(), random);
            for (int i = 0; i < labels.size(); i++) {
                mapping.put(labels.get(i), shuffled.get(i));
            }
        }
        return mapping;
    }

    private int[] word(String w) {
        return cache.computeIfAbsent(w, k -> {
            long[] ids = tokenizer.encode(k).getIds();
            int[] out = new int[ids.length];
            for (int i = 0; i < ids.length; i++) {
                out[i] = Math.toIntExact(ids[i]);
            }
            return out;
        });
    }

    private int single(String token) {
        int[] ids = word(token);
        if (ids.length != 1) {
            throw new IllegalStateException("tokenizer does not keep '" + token + "' as one token");
        }
        return ids[0];
    }

    /** Options for {@link CorpusSampler}; defaults in brackets. */
    public static final class Builder {
        private final HuggingFaceTokenizer tokenizer;
        private final Lexicon lexicon;
        private Map<String, List<TaskExample>> realTasks = Map.of();
        private List<String> remapPool;
        private double realFraction = 0.25;
        private double remapFraction = 0.3;
        private double shuffleFraction = 0.2;
        private double repeatProbability = 0.1;
        private int minClasses = 2;
        private int maxClasses = 4;
        private int maxTokens = 224;
        private long seed = 1;
        private double burstFraction;
        private int burstWords = 2;
        private double plainFraction;
        private double lookbackFraction;

        private Builder(HuggingFaceTokenizer tokenizer, Lexicon lexicon) {
            this.tokenizer = tokenizer;
            this.lexicon = lexicon;
        }

        /** The real meta-training tasks by name [none: all synthetic]. */
        public Builder optRealTasks(Map<String, List<TaskExample>> tasks) {
            tasks.forEach((n, l) -> {
                if (l.isEmpty()) {
                    throw new IllegalArgumentException("real task " + n + " has no examples");
                }
            });
            this.realTasks = tasks;
            return this;
        }

        /** Share of sequences from real tasks, the rest synthetic [0.25]. */
        public Builder optRealFraction(double f) {
            this.realFraction = fraction("realFraction", f);
            return this;
        }

        /** Share of sequences whose label words are replaced by fresh random words [0.3]. */
        public Builder optRemapFraction(double f) {
            this.remapFraction = fraction("remapFraction", f);
            return this;
        }

        /** Share of the real-task sequences not remapped whose label words are permuted among themselves [0.2]. */
        public Builder optShuffleFraction(double f) {
            this.shuffleFraction = fraction("shuffleFraction", f);
            return this;
        }

        /** Words fresh labels are drawn from [the lexicon's label words]. */
        public Builder optRemapPool(List<String> words) {
            this.remapPool = List.copyOf(words);
            return this;
        }

        /**
         * Share of synthetic sequences that are "bursty": each category limited to {@code words} content words for
         * the whole sequence, so the query's content word recurs in earlier demonstrations [0: none].
         */
        public Builder optBurst(double fraction, int words) {
            this.burstFraction = fraction("burstFraction", fraction);
            if (words < 1) {
                throw new IllegalArgumentException("burst words must be at least 1, got " + words);
            }
            this.burstWords = words;
            return this;
        }

        /** Share of synthetic sequences whose sentences hold only the words the task's rule reads [0]. */
        public Builder optPlainFraction(double f) {
            this.plainFraction = fraction("plainFraction", f);
            return this;
        }

        /**
         * Share of look-back sequences [0]: triples {@code a z a} with the loss on the third token, which train a
         * previous-token head directly (see {@link CorpusSampler#lookback}).
         */
        public Builder optLookbackFraction(double f) {
            this.lookbackFraction = fraction("lookbackFraction", f);
            return this;
        }

        /** Chance that a demonstration repeats an earlier one of the same sequence [0.1]. */
        public Builder optRepeatProbability(double p) {
            this.repeatProbability = fraction("repeatProbability", p);
            return this;
        }

        /** Fewest classes per task [2]. */
        public Builder optMinClasses(int n) {
            this.minClasses = n;
            return this;
        }

        /** Most classes per task, for a curriculum [4]. */
        public Builder optMaxClasses(int n) {
            this.maxClasses = n;
            return this;
        }

        /** Longest sequence in tokens [224]. */
        public Builder optMaxTokens(int n) {
            if (n < 8) {
                throw new IllegalArgumentException("maxTokens must be at least 8, got " + n);
            }
            this.maxTokens = n;
            return this;
        }

        /** Seed of the whole stream [1]. */
        public Builder optSeed(long seed) {
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

        private static double fraction(String name, double f) {
            if (!(f >= 0 && f <= 1)) {
                throw new IllegalArgumentException(name + " must be in [0, 1], got " + f);
            }
            return f;
        }
    }
}
