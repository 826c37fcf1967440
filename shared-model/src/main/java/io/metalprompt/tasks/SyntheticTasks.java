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

    private static final int MIN_FILLERS = 2;
    private static final int MAX_FILLERS = 5;
    /** Share of topic sentences with one content word from a category outside the task. */
    private static final double TOPIC_DISTRACTOR = 0.5;
    /** Share of topic sentences with one emotion word. */
    private static final double TOPIC_EMOTION = 0.3;
    /** Sentiment (majority, minority) counts seen in the data: never tied, at most 3 of a side. */
    private static final int[][] SENTIMENT_COUNTS = {{2, 0}, {3, 0}, {2, 1}, {3, 1}, {3, 2}};
    /** MAJORITY (majority, minority) word counts: both categories present, never tied. */
    private static final int[][] MAJORITY_COUNTS = {{2, 1}, {3, 1}, {3, 2}};

    private final Lexicon lexicon;

    public SyntheticTasks(Lexicon lexicon) {
        this.lexicon = lexicon;
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
        Sentence s = new Sentence();
        List<String> fillers = fillersFor(task);
        int fillerCount = MIN_FILLERS + random.nextInt(MAX_FILLERS - MIN_FILLERS + 1);
        switch (task.family()) {
            case TOPIC -> {
                s.ordered.add(pick(contentWords(task.categories().get(label)), random));
                topicNoise(task, s, plain, random);
            }
            case GROUP -> {
                List<String> ofLabel = new ArrayList<>();
                for (int j = label; j < task.categories().size(); j += task.labels().size()) {
                    ofLabel.add(task.categories().get(j));
                }
                s.ordered.add(pick(contentWords(pick(ofLabel, random)), random));
                topicNoise(task, s, plain, random);
            }
            case FIRST, LAST, SECOND -> {
                String decider = pick(contentWords(task.categories().get(label)), random);
                int others = task.family() == Family.SECOND ? 2 : 1 + random.nextInt(2);
                for (int i = 0; i < others; i++) {
                    s.ordered.add(pick(contentWords(pick(task.categories(), random)), random));
                }
                int at = switch (task.family()) {
                    case FIRST -> 0;
                    case SECOND -> 1;
                    default -> s.ordered.size();
                };
                s.ordered.add(at, decider);
                if (task.family() == Family.FIRST) {
                    fillerCount = 1 + random.nextInt(3) + 1 + random.nextInt(4); // 2..7, peaked at 4-5 as in the data
                }
            }
            case PRESENCE -> {
                if (label == 0) {
                    s.free.add(pick(contentWords(task.categories().get(0)), random));
                }
                distractors(task, s, 1 + random.nextInt(2), random);
            }
            case BOTH, EITHER -> {
                List<String> present = bothOrEither(task, label, random);
                present.forEach(c -> s.free.add(pick(contentWords(c), random)));
                distractors(task, s, (present.isEmpty() ? 1 : 0) + random.nextInt(2), random);
            }
            case MAJORITY -> {
                int[] counts = MAJORITY_COUNTS[random.nextInt(MAJORITY_COUNTS.length)];
                for (int i = 0; i < counts[0]; i++) {
                    s.free.add(pick(contentWords(task.categories().get(label)), random));
                }
                for (int i = 0; i < counts[1]; i++) {
                    s.free.add(pick(contentWords(task.categories().get(1 - label)), random));
                }
                fillerCount = 1 + random.nextInt(3);
            }
            case SENTIMENT -> {
                int[] counts = SENTIMENT_COUNTS[random.nextInt(SENTIMENT_COUNTS.length)];
                List<String> majority = label == 0 ? lexicon.positive() : lexicon.negative();
                List<String> minority = label == 0 ? lexicon.negative() : lexicon.positive();
                for (int i = 0; i < counts[0]; i++) {
                    s.free.add(pick(majority, random));
                }
                for (int i = 0; i < counts[1]; i++) {
                    s.free.add(pick(minority, random));
                }
                s.free.add(pick(lexicon.words(pick(lexicon.categoryNames(), random)), random));
            }
            case FIRST_EMOTION -> {
                // the first emotion word decides; a minority of the time the other polarity has more words, so the
                // rule is not the sentiment majority
                List<String> first = label == 0 ? lexicon.positive() : lexicon.negative();
                List<String> other = label == 0 ? lexicon.negative() : lexicon.positive();
                s.ordered.add(pick(first, random));
                int extraOther = random.nextInt(4) == 0 ? 1 : 0;
                int extraFirst = extraOther == 0 && random.nextInt(3) == 0 ? 1 : 0;
                List<String> rest = new ArrayList<>();
                rest.add(pick(other, random));
                for (int i = 0; i < extraOther; i++) {
                    rest.add(pick(other, random));
                }
                for (int i = 0; i < extraFirst; i++) {
                    rest.add(pick(first, random));
                }
                Collections.shuffle(rest, new java.util.Random(random.nextLong()));
                s.ordered.addAll(rest);
                s.free.add(pick(contentWords(pick(lexicon.categoryNames(), random)), random));
                fillerCount = 1 + random.nextInt(4);
            }
            case COUNT -> {
                for (int i = 0; i <= label; i++) {
                    s.free.add(pick(contentWords(pick(lexicon.categoryNames(), random)), random));
                }
                if (!plain && random.nextDouble() < TOPIC_EMOTION) {
                    s.free.add(pick(random.nextBoolean() ? lexicon.positive() : lexicon.negative(), random));
                }
            }
            case EMOTIONAL -> {
                if (label == 0) {
                    int n = 1 + random.nextInt(2);
                    for (int i = 0; i < n; i++) {
                        s.free.add(pick(random.nextBoolean() ? lexicon.positive() : lexicon.negative(), random));
                    }
                }
                int content = 1 + random.nextInt(2);
                for (int i = 0; i < content; i++) {
                    s.free.add(pick(contentWords(pick(lexicon.categoryNames(), random)), random));
                }
            }
            case SAME -> {
                List<String> cats = sample(lexicon.categoryNames(), 2, random);
                s.free.add(pick(contentWords(cats.get(0)), random));
                s.free.add(pick(contentWords(cats.get(label == 0 ? 0 : 1)), random));
            }
            case LENGTH -> {
                int total = label == 0 ? 3 + random.nextInt(3) : 8 + random.nextInt(4);
                int content = 1 + random.nextInt(2);
                for (int i = 0; i < content; i++) {
                    s.free.add(pick(contentWords(pick(lexicon.categoryNames(), random)), random));
                }
                if (random.nextDouble() < TOPIC_EMOTION) {
                    s.free.add(pick(random.nextBoolean() ? lexicon.positive() : lexicon.negative(), random));
                }
                fillerCount = total - s.free.size();
                plain = false;
            }
        }
        int n = plain ? 0 : fillerCount;
        for (int i = 0; i < n; i++) {
            s.free.add(pick(fillers, random));
        }
        return new TaskExample(task.name(), String.join(" ", arrange(s.ordered, s.free, random)),
                task.labels().get(label), task.labels());
    }

    /** The words of one sentence: {@code ordered} keep their order, {@code free} go anywhere around them. */
    private static final class Sentence {
        final List<String> ordered = new ArrayList<>();
        final List<String> free = new ArrayList<>();
    }

    /** A topic sentence's noise: a content word from a category outside the task, an emotion word. */
    private void topicNoise(TaskSpec task, Sentence s, boolean plain, RandomGenerator random) {
        List<String> others = outside(task.categories());
        if (!plain && !others.isEmpty() && random.nextDouble() < TOPIC_DISTRACTOR) {
            s.free.add(pick(lexicon.words(pick(others, random)), random));
        }
        if (!plain && random.nextDouble() < TOPIC_EMOTION) {
            s.free.add(pick(random.nextBoolean() ? lexicon.positive() : lexicon.negative(), random));
        }
    }

    /** {@code n} words of categories outside the task's. */
    private void distractors(TaskSpec task, Sentence s, int n, RandomGenerator random) {
        List<String> others = outside(task.categories());
        for (int i = 0; i < n; i++) {
            s.free.add(pick(lexicon.words(pick(others, random)), random));
        }
    }

    /**
     * Which of a BOTH/EITHER task's two categories a sentence of {@code label} holds. BOTH's "no" is mostly one of
     * the two (so the rule is a conjunction, not the presence of one category); EITHER's "yes" is one or both.
     */
    private static List<String> bothOrEither(TaskSpec task, int label, RandomGenerator random) {
        List<String> cats = task.categories();
        List<String> one = List.of(cats.get(random.nextInt(2)));
        if (task.family() == Family.BOTH) {
            return label == 0 ? cats : random.nextInt(5) == 0 ? List.of() : one;
        }
        return label == 1 ? List.of() : random.nextInt(3) == 0 ? cats : one;
    }

    /** Ordered words keep their order; free words go anywhere. */
    private static List<String> arrange(List<String> ordered, List<String> free, RandomGenerator random) {
        List<String> words = new ArrayList<>(ordered);
        for (String w : free) {
            words.add(random.nextInt(words.size() + 1), w);
        }
        return words;
    }

    /**
     * Fillers that cannot be read as a word the task's rule reads: for kinds whose rule reads content words of any
     * category (COUNT, SAME) only the pure fillers, otherwise every filler but the homographs of the task's categories.
     */
    private List<String> fillersFor(TaskSpec task) {
        if (task.family() == Family.COUNT || task.family() == Family.SAME) {
            return lexicon.pureFillers();
        }
        Set<String> relevant = new HashSet<>(task.categories());
        return lexicon.fillers().stream()
                .filter(w -> lexicon.categoryOf(w).map(c -> !relevant.contains(c)).orElse(true))
                .toList();
    }

    /** The words of a category that are not also fillers, so the rule reads them one way only. */
    private List<String> contentWords(String category) {
        return lexicon.words(category).stream().filter(w -> !lexicon.isFiller(w)).toList();
    }

    private List<String> outside(List<String> categories) {
        return lexicon.categoryNames().stream().filter(c -> !categories.contains(c)).toList();
    }

    private static <T> T pick(List<T> from, RandomGenerator random) {
        return from.get(random.nextInt(from.size()));
    }

    /** {@code k} distinct elements in random order. */
    static <T> List<T> sample(List<T> from, int k, RandomGenerator random) {
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
