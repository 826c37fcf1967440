package io.metalprompt.prompt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.tasks.Family;
import io.metalprompt.tasks.Lexicon;
import io.metalprompt.tasks.SyntheticTasks;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskSpec;

/**
 * Draws meta-training episodes: m and l from their ranges, then a task, then m XP, l XL and Q query examples
 * (distinct when the task has enough).
 *
 * <p>Without kinds (the legacy stream): a real training task with probability 1 - syntheticFraction (when there are
 * any), its label words remapped at random with probability remapFraction, else a new synthetic task of the
 * meta-training family mix. With kinds: the episode's kind is drawn uniformly from them first, then a real task of
 * that kind with probability 1 - syntheticFraction when one exists, else a new synthetic task of that kind; real
 * tasks of other kinds are never used ({@link io.metalprompt.train.CorpusSamplerBuilder#optKinds} for the base LM).
 */
final class EpisodeSampler {

    /**
     * One episode's task and examples, before tokenizing: the XP examples of each pass ({@code passSizes}, m in all),
     * then l XL, then the queries. {@code kind}: null for a legacy real task (no kind read).
     */
    record Draw(String task, Family kind, boolean real, List<Integer> passSizes, int l, List<TaskExample> examples) {
        int m() {
            return passSizes.stream().mapToInt(Integer::intValue).sum();
        }
    }

    private final MetaTrainerOptions o;
    private final SyntheticTasks synthetic;
    private final Lexicon lexicon;
    private final Map<String, List<TaskExample>> real;
    /** The real tasks in the order they were listed (a draw picks by index). */
    private final List<String> realNames;
    private final List<Family> kinds;
    private final Map<Family, List<String>> realByKind = new LinkedHashMap<>();

    /** {@code realKinds}: the kind of each real task (read only with kinds; a task without one is never used then). */
    EpisodeSampler(MetaTrainerOptions o, Lexicon lexicon, Map<String, List<TaskExample>> real,
                   Map<String, Family> realKinds) {
        this.o = o;
        this.lexicon = lexicon;
        this.synthetic = new SyntheticTasks(lexicon);
        this.real = Map.copyOf(real);
        this.kinds = o.kinds().isEmpty() ? List.of()
                : SyntheticTasks.balanced(o.kinds()).stream().filter(f -> synthetic.allows(f, 2, 4)).toList();
        if (!o.kinds().isEmpty() && kinds.isEmpty()) {
            throw new IllegalArgumentException("no kind of " + o.kinds() + " has tasks of 2 to 4 classes");
        }
        real.keySet().forEach(name -> {
            Family kind = realKinds.get(name);
            if (kind != null) {
                realByKind.computeIfAbsent(kind, f -> new ArrayList<>()).add(name);
            }
        });
        this.realNames = List.copyOf(real.keySet());
    }

    /** The episode {@link #draw} gives, tokenized. */
    Episode episode(LmTokenizer tokenizer, Random rnd, int passes) {
        Draw d = draw(rnd, passes);
        List<TaskExample> ex = d.examples();
        List<List<TaskExample>> xp = new ArrayList<>();
        int from = 0;
        for (int size : d.passSizes()) {
            xp.add(ex.subList(from, from + size));
            from += size;
        }
        int m = d.m();
        int l = d.l();
        return Episode.iterative(tokenizer, xp, ex.subList(m, m + l), ex.subList(m + l, ex.size()));
    }

    Draw draw(Random rnd) {
        return draw(rnd, 1);
    }

    /** An episode read in {@code passes} passes, each of m examples drawn from the range. */
    Draw draw(Random rnd, int passes) {
        List<Integer> sizes = new ArrayList<>();
        for (int p = 0; p < passes; p++) {
            sizes.add(o.mMin() + rnd.nextInt(o.mMax() - o.mMin() + 1));
        }
        int m = sizes.stream().mapToInt(Integer::intValue).sum();
        int l = o.lMin() + rnd.nextInt(o.lMax() - o.lMin() + 1);
        int n = m + l + o.queries();
        Family kind = kinds.isEmpty() ? null : kinds.get(rnd.nextInt(kinds.size()));
        List<String> eligible = kind == null ? realNames : realByKind.getOrDefault(kind, List.of());
        if (eligible.isEmpty() || rnd.nextDouble() < o.syntheticFraction()) {
            TaskSpec task = kind == null ? synthetic.newTask(rnd, 2, 4) : synthetic.newTask(kind, rnd, 2, 4);
            return new Draw(task.name(), task.family(), false, sizes, l, synthetic.examples(task, n, rnd));
        }
        String name = eligible.get(rnd.nextInt(eligible.size()));
        List<TaskExample> ex = sample(real.get(name), n, rnd);
        if (rnd.nextDouble() < o.remapFraction()) {
            ex = relabel(ex, lexicon, rnd);
        }
        return new Draw(name, kind, true, sizes, l, ex);
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
