package io.metalprompt.tasks;

import java.util.Locale;

/**
 * The task families of the benchmark world. Label order convention (as in {@code specs.json}): label {@code i}
 * belongs to category {@code i} for TOPIC and FIRST; PRESENCE labels are {@code [present, absent]} of its one
 * category; SENTIMENT labels are {@code [positive, negative]}.
 */
public enum Family {
    /** The label is the category of the one content word from the task's categories. */
    TOPIC,
    /** The label is the category of the first content word (two or three present). */
    FIRST,
    /** Whether any word of the task's one category is present. */
    PRESENCE,
    /** Whether positive or negative emotion words are the majority. */
    SENTIMENT;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Family parse(String id) {
        for (Family f : values()) {
            if (f.id().equals(id)) {
                return f;
            }
        }
        throw new TaskDataException("unknown task family '" + id + "'");
    }
}
