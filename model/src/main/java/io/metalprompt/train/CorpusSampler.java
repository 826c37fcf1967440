package io.metalprompt.train;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.metalprompt.tasks.Family;
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
import java.util.function.Supplier;

/**
 * Training sequences for a base LM that must learn in context: each sequence is a run of demonstrations of ONE
 * task in the {@link IclFormat} ({@code "x y ; x y ; ..."}), as many as fit in {@code maxTokens}, and
 * nothing else. A loss mask marks the label tokens so training can weight answers.
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

    /** Task name of the look-back sequences ({@link CorpusSamplerBuilder#optLookbackFraction}). */
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
    /** Kinds drawn uniformly per sequence, or null for the legacy stream (real tasks, then the family mix). */
    private final List<Family> kinds;
    private final Map<String, Family> realFamilies;
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

    CorpusSampler(CorpusSamplerBuilder b) {
        this.tokenizer = b.tokenizer;
        this.synthetic = new SyntheticTasks(b.lexicon);
        this.lexicon = b.lexicon;
        this.burstFraction = b.burstFraction;
        this.burstWords = b.burstWords;
        this.plainFraction = b.plainFraction;
        this.lookbackFraction = b.lookbackFraction;
        this.realTasks = new LinkedHashMap<>(b.realTasks);
        this.kinds = b.kinds == null ? null : SyntheticTasks.balanced(b.kinds);
        this.realFamilies = Map.copyOf(b.realFamilies);
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

    public static CorpusSamplerBuilder builder(HuggingFaceTokenizer tokenizer, Lexicon lexicon) {
        return new CorpusSamplerBuilder(tokenizer, lexicon);
    }

    public int padId() {
        return padId;
    }

    public int maxTokens() {
        return maxTokens;
    }

    /** The task of one sequence: its name, label words, and where its examples come from. */
    private record Draw(String name, List<String> labels, boolean real, Supplier<TaskExample> examples) {
    }

    /** The next training sequence. */
    public Sequence next() {
        if (lookbackFraction > 0 && random.nextDouble() < lookbackFraction) { // no draw at 0: older streams unchanged
            return lookback();
        }
        Draw draw = drawTask();
        return fill(draw, labelMapping(draw.labels(), draw.real()));
    }

    /**
     * A task for the next sequence: with {@code kinds}, a kind drawn uniformly, then a real task of that kind (with
     * probability {@code realFraction}, if one fits the class range) or a synthetic one; without, the legacy stream.
     */
    private Draw drawTask() {
        Family kind = kinds == null ? null : drawKind();
        List<String> eligible = realTasks.entrySet().stream()
                .filter(e -> {
                    int k = e.getValue().get(0).options().size();
                    return k >= minClasses && k <= maxClasses && (kind == null || kind == realFamilies.get(e.getKey()));
                })
                .map(Map.Entry::getKey).toList();
        if (!eligible.isEmpty() && random.nextDouble() < realFraction) {
            String name = eligible.get(random.nextInt(eligible.size()));
            List<TaskExample> pool = realTasks.get(name);
            return new Draw(name, pool.get(0).options(), true, () -> pool.get(random.nextInt(pool.size())));
        }
        TaskSpec spec = kind == null ? synthetic.newTask(random, minClasses, maxClasses)
                : synthetic.newTask(kind, random, minClasses, maxClasses);
        SyntheticTasks generator = random.nextDouble() < burstFraction
                ? new SyntheticTasks(lexicon.restrict(burstWords, random)) : synthetic;
        boolean plain = plainFraction > 0 && random.nextDouble() < plainFraction; // no draw at 0: older streams unchanged
        return new Draw(spec.name(), spec.labels(), false, () -> generator.example(spec, random, plain));
    }

    /** Demonstrations of {@code draw}'s task (some repeated), relabelled through {@code mapping}, as many as fit. */
    private Sequence fill(Draw draw, Map<String, String> mapping) {
        List<TaskExample> demos = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        List<Float> mask = new ArrayList<>();
        for (int guard = 0; guard < 10 * maxTokens; guard++) {
            TaskExample e = !demos.isEmpty() && random.nextDouble() < repeatProbability
                    ? demos.get(random.nextInt(demos.size()))
                    : draw.examples().get().relabel(mapping);
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
        float[] maskArray = new float[mask.size()];
        for (int i = 0; i < maskArray.length; i++) {
            maskArray[i] = mask.get(i);
        }
        return new Sequence(ids.stream().mapToInt(Integer::intValue).toArray(), maskArray, draw.name(), List.copyOf(demos));
    }

    /** A kind drawn uniformly from those whose class range meets the sampler's. */
    private Family drawKind() {
        List<Family> allowed = kinds.stream().filter(f -> synthetic.allows(f, minClasses, maxClasses)).toList();
        if (allowed.isEmpty()) {
            throw new IllegalStateException("no kind of " + kinds + " has a class count in [" + minClasses + ", "
                    + maxClasses + "]");
        }
        return allowed.get(random.nextInt(allowed.size()));
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
}
