package io.metalprompt.tasks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Builds one sentence for a task and a label, the way the benchmark data's sentences look: the words the kind's
 * rule reads (some in a fixed order, some anywhere), noise the rule ignores, and 2 to 5 fillers in random places.
 * One method per kind of rule; {@link SyntheticTasks} draws the task and the label.
 */
final class Sentences {

    private static final int MIN_FILLERS = 2;
    private static final int MAX_FILLERS = 5;
    /** Share of topic sentences with one content word from a category outside the task. */
    private static final double TOPIC_DISTRACTOR = 0.5;
    /** Share of topic (and count, length) sentences with one emotion word. */
    private static final double TOPIC_EMOTION = 0.3;
    /** Sentiment (majority, minority) counts seen in the data: never tied, at most 3 of a side. */
    private static final int[][] SENTIMENT_COUNTS = {{2, 0}, {3, 0}, {2, 1}, {3, 1}, {3, 2}};
    /** MAJORITY (majority, minority) word counts: both categories present, never tied. */
    private static final int[][] MAJORITY_COUNTS = {{2, 1}, {3, 1}, {3, 2}};

    /** A sentence being built: {@code ordered} words keep their order, {@code free} ones go anywhere around them. */
    private static final class Draft {
        final List<String> ordered = new ArrayList<>();
        final List<String> free = new ArrayList<>();
        int fillers;
        boolean plain;
    }

    private final Lexicon lexicon;

    Sentences(Lexicon lexicon) {
        this.lexicon = lexicon;
    }

    /** A sentence of {@code task} whose rule gives label index {@code label}; {@code plain}: no fillers or noise. */
    String sentence(TaskSpec task, int label, RandomGenerator random, boolean plain) {
        Draft d = new Draft();
        d.plain = plain;
        List<String> fillers = fillersFor(task);
        d.fillers = MIN_FILLERS + random.nextInt(MAX_FILLERS - MIN_FILLERS + 1);
        switch (task.family()) {
            case TOPIC -> topic(task, task.categories().get(label), d, random);
            case GROUP -> group(task, label, d, random);
            case FIRST, LAST, SECOND -> position(task, label, d, random);
            case PRESENCE -> presence(task, label, d, random);
            case BOTH, EITHER -> bothOrEither(task, label, d, random);
            case MAJORITY -> majority(task, label, d, random);
            case SENTIMENT -> sentiment(label, d, random);
            case FIRST_EMOTION -> firstEmotion(label, d, random);
            case COUNT -> count(label, d, random);
            case EMOTIONAL -> emotional(label, d, random);
            case SAME -> same(label, d, random);
            case LENGTH -> length(label, d, random);
        }
        int n = d.plain ? 0 : d.fillers;
        for (int i = 0; i < n; i++) {
            d.free.add(pick(fillers, random));
        }
        return String.join(" ", arrange(d.ordered, d.free, random));
    }

    /** The one content word of {@code category}, then noise. */
    private void topic(TaskSpec task, String category, Draft d, RandomGenerator random) {
        d.ordered.add(pick(contentWords(category), random));
        topicNoise(task, d, random);
    }

    /** As topic, with the content word from any category of the label's group ({@code index % labels}). */
    private void group(TaskSpec task, int label, Draft d, RandomGenerator random) {
        List<String> ofLabel = new ArrayList<>();
        for (int j = label; j < task.categories().size(); j += task.labels().size()) {
            ofLabel.add(task.categories().get(j));
        }
        topic(task, pick(ofLabel, random), d, random);
    }

    /** FIRST, LAST, SECOND: 2-3 content words of the task's categories, the deciding one at its place. */
    private void position(TaskSpec task, int label, Draft d, RandomGenerator random) {
        String decider = pick(contentWords(task.categories().get(label)), random);
        int others = task.family() == Family.SECOND ? 2 : 1 + random.nextInt(2);
        for (int i = 0; i < others; i++) {
            d.ordered.add(pick(contentWords(pick(task.categories(), random)), random));
        }
        int at = switch (task.family()) {
            case FIRST -> 0;
            case SECOND -> 1;
            default -> d.ordered.size();
        };
        d.ordered.add(at, decider);
        if (task.family() == Family.FIRST) {
            d.fillers = 1 + random.nextInt(3) + 1 + random.nextInt(4); // 2..7, peaked at 4-5 as in the data
        }
    }

    private void presence(TaskSpec task, int label, Draft d, RandomGenerator random) {
        if (label == 0) {
            d.free.add(pick(contentWords(task.categories().get(0)), random));
        }
        distractors(task, d, 1 + random.nextInt(2), random);
    }

    /**
     * Which of a BOTH/EITHER task's two categories a sentence holds. BOTH's "no" is mostly one of the two (so the
     * rule is a conjunction, not the presence of one category); EITHER's "yes" is one or both.
     */
    private void bothOrEither(TaskSpec task, int label, Draft d, RandomGenerator random) {
        List<String> cats = task.categories();
        List<String> one = List.of(cats.get(random.nextInt(2)));
        List<String> present;
        if (task.family() == Family.BOTH) {
            present = label == 0 ? cats : random.nextInt(5) == 0 ? List.of() : one;
        } else {
            present = label == 1 ? List.of() : random.nextInt(3) == 0 ? cats : one;
        }
        present.forEach(c -> d.free.add(pick(contentWords(c), random)));
        distractors(task, d, (present.isEmpty() ? 1 : 0) + random.nextInt(2), random);
    }

    private void majority(TaskSpec task, int label, Draft d, RandomGenerator random) {
        int[] counts = MAJORITY_COUNTS[random.nextInt(MAJORITY_COUNTS.length)];
        for (int i = 0; i < counts[0]; i++) {
            d.free.add(pick(contentWords(task.categories().get(label)), random));
        }
        for (int i = 0; i < counts[1]; i++) {
            d.free.add(pick(contentWords(task.categories().get(1 - label)), random));
        }
        d.fillers = 1 + random.nextInt(3);
    }

    private void sentiment(int label, Draft d, RandomGenerator random) {
        int[] counts = SENTIMENT_COUNTS[random.nextInt(SENTIMENT_COUNTS.length)];
        List<String> majority = label == 0 ? lexicon.positive() : lexicon.negative();
        List<String> minority = label == 0 ? lexicon.negative() : lexicon.positive();
        for (int i = 0; i < counts[0]; i++) {
            d.free.add(pick(majority, random));
        }
        for (int i = 0; i < counts[1]; i++) {
            d.free.add(pick(minority, random));
        }
        d.free.add(pick(lexicon.words(pick(lexicon.categoryNames(), random)), random));
    }

    /**
     * The first emotion word decides; a minority of the time the other polarity has more words, so the rule is
     * not the sentiment majority.
     */
    private void firstEmotion(int label, Draft d, RandomGenerator random) {
        List<String> first = label == 0 ? lexicon.positive() : lexicon.negative();
        List<String> other = label == 0 ? lexicon.negative() : lexicon.positive();
        d.ordered.add(pick(first, random));
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
        d.ordered.addAll(rest);
        d.free.add(pick(contentWords(pick(lexicon.categoryNames(), random)), random));
        d.fillers = 1 + random.nextInt(4);
    }

    /** {@code label + 1} content words of any categories. */
    private void count(int label, Draft d, RandomGenerator random) {
        for (int i = 0; i <= label; i++) {
            d.free.add(pick(contentWords(pick(lexicon.categoryNames(), random)), random));
        }
        if (!d.plain && random.nextDouble() < TOPIC_EMOTION) {
            d.free.add(emotionWord(random));
        }
    }

    private void emotional(int label, Draft d, RandomGenerator random) {
        if (label == 0) {
            int n = 1 + random.nextInt(2);
            for (int i = 0; i < n; i++) {
                d.free.add(emotionWord(random));
            }
        }
        int content = 1 + random.nextInt(2);
        for (int i = 0; i < content; i++) {
            d.free.add(pick(contentWords(pick(lexicon.categoryNames(), random)), random));
        }
    }

    private void same(int label, Draft d, RandomGenerator random) {
        List<String> cats = SyntheticTasks.sample(lexicon.categoryNames(), 2, random);
        d.free.add(pick(contentWords(cats.get(0)), random));
        d.free.add(pick(contentWords(cats.get(label == 0 ? 0 : 1)), random));
    }

    /** Short (3-5 words) or long (8-11); its rule reads every word, so it has no plain form. */
    private void length(int label, Draft d, RandomGenerator random) {
        int total = label == 0 ? 3 + random.nextInt(3) : 8 + random.nextInt(4);
        int content = 1 + random.nextInt(2);
        for (int i = 0; i < content; i++) {
            d.free.add(pick(contentWords(pick(lexicon.categoryNames(), random)), random));
        }
        if (random.nextDouble() < TOPIC_EMOTION) {
            d.free.add(emotionWord(random));
        }
        d.fillers = total - d.free.size();
        d.plain = false;
    }

    /** A topic sentence's noise: a content word from a category outside the task, an emotion word. */
    private void topicNoise(TaskSpec task, Draft d, RandomGenerator random) {
        List<String> others = outside(task.categories());
        if (!d.plain && !others.isEmpty() && random.nextDouble() < TOPIC_DISTRACTOR) {
            d.free.add(pick(lexicon.words(pick(others, random)), random));
        }
        if (!d.plain && random.nextDouble() < TOPIC_EMOTION) {
            d.free.add(emotionWord(random));
        }
    }

    /** {@code n} words of categories outside the task's. */
    private void distractors(TaskSpec task, Draft d, int n, RandomGenerator random) {
        List<String> others = outside(task.categories());
        for (int i = 0; i < n; i++) {
            d.free.add(pick(lexicon.words(pick(others, random)), random));
        }
    }

    private String emotionWord(RandomGenerator random) {
        return pick(random.nextBoolean() ? lexicon.positive() : lexicon.negative(), random);
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
}
