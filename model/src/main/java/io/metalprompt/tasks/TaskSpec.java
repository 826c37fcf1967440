package io.metalprompt.tasks;

import java.util.List;

/** The rule behind one task, as in {@code specs.json}: family, categories and labels in matching order. */
public record TaskSpec(String name, Family family, List<String> categories, List<String> labels) {

    public TaskSpec {
        categories = List.copyOf(categories);
        labels = List.copyOf(labels);
    }

    /** The label word of a category (TOPIC and FIRST). */
    public String labelOf(String category) {
        int i = categories.indexOf(category);
        if (i < 0) {
            throw new IllegalArgumentException(name + " has no category " + category);
        }
        return labels.get(i);
    }
}
