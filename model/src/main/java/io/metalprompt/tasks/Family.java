package io.metalprompt.tasks;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The kinds of labelling rule a task of the benchmark world can have. The first four are the families of
 * {@code ../shared/tasks}; the others are further kinds built from the same words (sentences of fillers, content
 * words of ten categories and emotion words), so a base LM and a PGM can learn in context a wider rule space
 * than one word-category lookup.
 *
 * <p>Label order conventions (as in {@code specs.json}): for TOPIC, FIRST, LAST, SECOND and MAJORITY label
 * {@code i} belongs to category {@code i}; for GROUP category {@code j} belongs to label {@code j % labels}; COUNT's
 * label {@code i} means {@code i + 1} content words; the two labels of the yes/no kinds are {@code [yes, no]}:
 * PRESENCE [present, absent], EMOTIONAL [some emotion word, none], BOTH [both categories present, not both],
 * EITHER [either category present, neither], SAME [same category, different], LENGTH [short, long]; SENTIMENT
 * and FIRST_EMOTION are {@code [positive, negative]}.
 */
public enum Family {
    /** The label is the category of the one content word from the task's categories. */
    TOPIC(true),
    /** The label is the category of the first content word (two or three present). */
    FIRST(true),
    /** Whether any word of the task's one category is present. */
    PRESENCE(true),
    /** Whether positive or negative emotion words are the majority. */
    SENTIMENT(true),
    /** The category of the last content word (two or three present, all from the task's categories). */
    LAST(false),
    /** The number of content words (any category): label i for i + 1 words. */
    COUNT(false),
    /** Whether the sentence has any emotion word, of either polarity. */
    EMOTIONAL(false),
    /** Whether words of both of the task's two categories are present (at most one otherwise). */
    BOTH(false),
    /** Whether the sentence's two content words are of the same category. */
    SAME(false),
    /** The category of the one content word decides, but several categories share a label (coarse topics). */
    GROUP(false),
    /** Which of the task's two categories has more words in the sentence (both present). */
    MAJORITY(false),
    /** Short (3-5 words) or long (8-11 words) sentence. */
    LENGTH(false),
    /** The polarity of the first emotion word (one or two of each polarity present). */
    FIRST_EMOTION(false),
    /** The category of the second content word (three present, all from the task's categories). */
    SECOND(false),
    /** Whether a word of either of the task's two categories is present. */
    EITHER(false);

    /** Kinds kept out of every training mix by default: the project's own test of rules no model trained on. */
    public static final Set<Family> HELD_OUT = EnumSet.of(SECOND, EITHER);

    private final boolean original;

    Family(boolean original) {
        this.original = original;
    }

    /** True for the four families of {@code ../shared/tasks}. */
    public boolean original() {
        return original;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether a task of this kind can have {@code categories} categories and {@code labels} labels. */
    public boolean fits(int categories, int labels) {
        return switch (this) {
            case TOPIC, FIRST, LAST, SECOND -> labels >= 2 && categories == labels;
            case MAJORITY, BOTH, EITHER -> labels == 2 && categories == 2;
            case PRESENCE -> labels == 2 && categories == 1;
            case GROUP -> labels >= 2 && categories > labels;
            case COUNT -> labels >= 2 && categories == 0;
            case SENTIMENT, EMOTIONAL, SAME, LENGTH, FIRST_EMOTION -> labels == 2 && categories == 0;
        };
    }

    /** Every kind except the held-out ones: the default training mix of v7 and later. */
    public static Set<Family> trainable() {
        Set<Family> all = EnumSet.allOf(Family.class);
        all.removeAll(HELD_OUT);
        return all;
    }

    /** The four families of {@code ../shared/tasks}. */
    public static Set<Family> originals() {
        return Arrays.stream(values()).filter(Family::original)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Family.class)));
    }

    public static Family parse(String id) {
        for (Family f : values()) {
            if (f.id().equals(id.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new TaskDataException("unknown task family '" + id + "' (known: "
                + Arrays.stream(values()).map(Family::id).collect(Collectors.joining(", ")) + ")");
    }
}
