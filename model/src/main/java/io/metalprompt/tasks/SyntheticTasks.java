package io.metalprompt.tasks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Generates new tasks of the four known families from the {@link Lexicon}, without limit: random category
 * subsets (2 to 4 classes; presence and sentiment have 2), random label words from the training label pool
 * assigned at random, and sentences built like the data's (2 to 5 fillers, 2 to 7 for first, in random places around
 * the content and emotion words). Everything is drawn from the caller's random generator: the same seed gives the same tasks.
 *
 * <p>Sentences are unambiguous: a homograph (such as "saw", a tool and a filler) is never the deciding content
 * word, and serves as a filler or distractor only in a task where its category plays no part.
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

    private final Lexicon lexicon;

    public SyntheticTasks(Lexicon lexicon) {
        this.lexicon = lexicon;
        if (lexicon.categoryNames().size() < 3 || lexicon.labels().size() < 4) {
            throw new IllegalArgumentException("lexicon too small for synthetic tasks: "
                    + lexicon.categoryNames().size() + " categories, " + lexicon.labels().size() + " label words");
        }
    }

    public Lexicon lexicon() {
        return lexicon;
    }

    /**
     * A new task of a family drawn from {@link #FAMILY_MIX} (only topic and first when {@code minClasses > 2}),
     * with a class count in [minClasses, maxClasses] where the family allows.
     */
    public TaskSpec newTask(RandomGenerator random, int minClasses, int maxClasses) {
        List<Family> allowed = minClasses > 2
                ? FAMILY_MIX.stream().filter(f -> f == Family.TOPIC || f == Family.FIRST).toList()
                : FAMILY_MIX;
        Family family = allowed.get(random.nextInt(allowed.size()));
        return newTask(family, random, minClasses, maxClasses);
    }

    /** A new task of {@code family}; the class count is drawn from [minClasses, maxClasses] for topic and first. */
    public TaskSpec newTask(Family family, RandomGenerator random, int minClasses, int maxClasses) {
        int lo = Math.max(2, minClasses);
        int hi = Math.min(Math.min(4, maxClasses), lexicon.categoryNames().size() - 1);
        if (lo > hi) {
            throw new IllegalArgumentException("no class count in [" + minClasses + ", " + maxClasses + "]");
        }
        int classes = switch (family) {
            case TOPIC, FIRST -> lo + random.nextInt(hi - lo + 1);
            case PRESENCE, SENTIMENT -> 2;
        };
        List<String> cats = switch (family) {
            case TOPIC, FIRST -> sample(lexicon.categoryNames(), classes, random);
            case PRESENCE -> sample(lexicon.categoryNames(), 1, random);
            case SENTIMENT -> List.of();
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
     * deciding word sits right before the separator, so matching it against earlier demonstrations is a
     * two-layer induction problem before it becomes a "find the content word" problem.
     */
    public TaskExample example(TaskSpec task, RandomGenerator random, boolean plain) {
        int label = random.nextInt(task.labels().size());
        List<String> content = new ArrayList<>();
        List<String> free = new ArrayList<>(); // words whose position does not matter
        switch (task.family()) {
            case TOPIC -> {
                content.add(pick(contentWords(task.categories().get(label)), random));
                List<String> others = outside(task.categories());
                if (!plain && !others.isEmpty() && random.nextDouble() < TOPIC_DISTRACTOR) {
                    free.add(pick(lexicon.words(pick(others, random)), random));
                }
                if (!plain && random.nextDouble() < TOPIC_EMOTION) {
                    free.add(pick(random.nextBoolean() ? lexicon.positive() : lexicon.negative(), random));
                }
            }
            case FIRST -> {
                content.add(pick(contentWords(task.categories().get(label)), random));
                int more = 1 + random.nextInt(2);
                for (int i = 0; i < more; i++) {
                    content.add(pick(contentWords(pick(task.categories(), random)), random));
                }
            }
            case PRESENCE -> {
                String target = task.categories().get(0);
                if (label == 0) {
                    free.add(pick(contentWords(target), random));
                }
                int distractors = 1 + random.nextInt(2);
                List<String> others = outside(task.categories());
                for (int i = 0; i < distractors; i++) {
                    free.add(pick(lexicon.words(pick(others, random)), random));
                }
            }
            case SENTIMENT -> {
                int[] counts = SENTIMENT_COUNTS[random.nextInt(SENTIMENT_COUNTS.length)];
                List<String> majority = label == 0 ? lexicon.positive() : lexicon.negative();
                List<String> minority = label == 0 ? lexicon.negative() : lexicon.positive();
                for (int i = 0; i < counts[0]; i++) {
                    free.add(pick(majority, random));
                }
                for (int i = 0; i < counts[1]; i++) {
                    free.add(pick(minority, random));
                }
                free.add(pick(lexicon.words(pick(lexicon.categoryNames(), random)), random));
            }
        }
        List<String> fillers = fillersFor(task);
        int n = plain ? 0 : task.family() == Family.FIRST
                ? 1 + random.nextInt(3) + 1 + random.nextInt(4) // 2..7, peaked at 4-5 as in the data
                : MIN_FILLERS + random.nextInt(MAX_FILLERS - MIN_FILLERS + 1);
        for (int i = 0; i < n; i++) {
            free.add(pick(fillers, random));
        }
        return new TaskExample(task.name(), String.join(" ", arrange(content, free, random)),
                task.labels().get(label), task.labels());
    }

    /** Ordered words keep their order; free words go anywhere. */
    private static List<String> arrange(List<String> ordered, List<String> free, RandomGenerator random) {
        List<String> words = new ArrayList<>(ordered);
        for (String w : free) {
            words.add(random.nextInt(words.size() + 1), w);
        }
        return words;
    }

    private List<String> fillersFor(TaskSpec task) {
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
