package io.metalprompt.tasks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Generates new tasks of every {@link Family} from the {@link Lexicon}, without limit: random categories, random
 * label words from the training label pool assigned at random, and sentences built like the data's (2 to 5
 * fillers, 2 to 7 for first, in random places around the words the rule reads). Everything is drawn from the
 * caller's random generator: the same seed gives the same tasks.
 *
 * <p>Sentences are unambiguous: a homograph (such as "saw", a tool and a filler) is never a word the rule reads,
 * and serves as a filler or distractor only in a task where its category plays no part ({@link FamilyRules}
 * checks every generated example in the tests).
 */
public final class SyntheticTasks {

    /** Families in the proportions of the meta-training set (topic 40, first 16, presence 8, sentiment 6). */
    public static final List<Family> FAMILY_MIX = mix();

    private final Lexicon lexicon;
    private final Sentences sentences;

    public SyntheticTasks(Lexicon lexicon) {
        this.lexicon = lexicon;
        this.sentences = new Sentences(lexicon);
        if (lexicon.categoryNames().size() < 5 || lexicon.labels().size() < 4) {
            throw new IllegalArgumentException("lexicon too small for synthetic tasks: "
                    + lexicon.categoryNames().size() + " categories, " + lexicon.labels().size() + " label words");
        }
    }

    public Lexicon lexicon() {
        return lexicon;
    }

    /** Each of {@code kinds} once, in enum order: drawing from it is uniform over the kinds. */
    public static List<Family> balanced(Collection<Family> kinds) {
        if (kinds.isEmpty()) {
            throw new IllegalArgumentException("no task kinds to draw from");
        }
        return List.copyOf(new java.util.TreeSet<>(kinds));
    }

    /** A new task of a family drawn from {@link #FAMILY_MIX} whose class range meets [minClasses, maxClasses]. */
    public TaskSpec newTask(RandomGenerator random, int minClasses, int maxClasses) {
        return newTask(FAMILY_MIX, random, minClasses, maxClasses);
    }

    /**
     * A new task of a family drawn from {@code mix} (a list in which a family's share is its number of copies),
     * among those whose class range meets [minClasses, maxClasses].
     */
    public TaskSpec newTask(List<Family> mix, RandomGenerator random, int minClasses, int maxClasses) {
        List<Family> allowed = mix.stream().filter(f -> allows(f, minClasses, maxClasses)).toList();
        if (allowed.isEmpty()) {
            throw new IllegalArgumentException("no family of " + new HashSet<>(mix) + " has a class count in ["
                    + minClasses + ", " + maxClasses + "]");
        }
        Family family = allowed.get(random.nextInt(allowed.size()));
        return newTask(family, random, minClasses, maxClasses);
    }

    /** True when {@code family} can have a class count in [minClasses, maxClasses]. */
    public boolean allows(Family family, int minClasses, int maxClasses) {
        return Math.max(2, minClasses) <= Math.min(maxClasses, maxClasses(family));
    }

    private int maxClasses(Family family) {
        return switch (family) {
            case TOPIC, FIRST, LAST, SECOND -> Math.min(4, lexicon.categoryNames().size() - 1);
            case COUNT -> 3;
            default -> 2;
        };
    }

    /** A new task of {@code family}; the class count is drawn from [minClasses, maxClasses] where the family allows. */
    public TaskSpec newTask(Family family, RandomGenerator random, int minClasses, int maxClasses) {
        int lo = Math.max(2, minClasses);
        int hi = Math.min(maxClasses, maxClasses(family));
        if (lo > hi) {
            throw new IllegalArgumentException("no " + family.id() + " class count in [" + minClasses + ", "
                    + maxClasses + "]");
        }
        int classes = lo + random.nextInt(hi - lo + 1);
        List<String> cats = switch (family) {
            case TOPIC, FIRST, LAST, SECOND -> sample(lexicon.categoryNames(), classes, random);
            case PRESENCE -> sample(lexicon.categoryNames(), 1, random);
            case BOTH, EITHER, MAJORITY -> sample(lexicon.categoryNames(), 2, random);
            case GROUP -> sample(lexicon.categoryNames(), 3 + random.nextInt(2), random);
            case SENTIMENT, COUNT, EMOTIONAL, SAME, LENGTH, FIRST_EMOTION -> List.of();
        };
        List<String> labels = sample(lexicon.labels(), classes, random);
        String name = "syn_" + family.id() + "_" + Long.toHexString(random.nextLong() & Long.MAX_VALUE);
        return new TaskSpec(name, family, cats, labels);
    }

    /** {@code n} examples of {@code task}, each label equally likely. */
    public List<TaskExample> examples(TaskSpec task, int n, RandomGenerator random) {
        List<TaskExample> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(example(task, random));
        }
        return out;
    }

    /** One example of {@code task}: a label drawn uniformly, then a sentence for it. */
    public TaskExample example(TaskSpec task, RandomGenerator random) {
        return example(task, random, false);
    }

    /**
     * One example of {@code task}; when {@code plain}, the sentence holds only the words the rule reads (no
     * fillers, no distractor or emotion words in topic sentences), the easy end of a curriculum: the query's
     * deciding word sits right before the label, so matching it against earlier demonstrations is a two-layer
     * induction problem before it becomes a "find the content word" problem. (LENGTH, whose rule reads every
     * word, has no plain form: its sentences keep their fillers.)
     */
    public TaskExample example(TaskSpec task, RandomGenerator random, boolean plain) {
        int label = random.nextInt(task.labels().size());
        return new TaskExample(task.name(), sentences.sentence(task, label, random, plain), task.labels().get(label),
                task.labels());
    }

    /** {@code k} distinct elements in random order. */
    public static <T> List<T> sample(List<T> from, int k, RandomGenerator random) {
        List<T> copy = new ArrayList<>(from);
        for (int i = 0; i < k; i++) {
            Collections.swap(copy, i, i + random.nextInt(copy.size() - i));
        }
        return List.copyOf(copy.subList(0, k));
    }

    private static List<Family> mix() {
        List<Family> m = new ArrayList<>();
        m.addAll(Collections.nCopies(40, Family.TOPIC));
        m.addAll(Collections.nCopies(16, Family.FIRST));
        m.addAll(Collections.nCopies(8, Family.PRESENCE));
        m.addAll(Collections.nCopies(6, Family.SENTIMENT));
        return List.copyOf(m);
    }
}
