package io.metalprompt.tasks;

import java.util.List;
import java.util.Objects;

/**
 * One classification example in MetaICL form: the model reads {@code input} and must pick {@code output}
 * among {@code options}. Whether the data obeys the format rules is checked by {@link TaskLoader}, which can
 * name the offending file and line; this record only refuses nulls.
 */
public record TaskExample(String task, String input, String output, List<String> options) {

    public TaskExample {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        options = List.copyOf(options);
    }

    /** The same example with its label words replaced through {@code mapping} (words not in it stay). */
    public TaskExample relabel(java.util.Map<String, String> mapping) {
        return new TaskExample(task, input, mapping.getOrDefault(output, output),
                options.stream().map(o -> mapping.getOrDefault(o, o)).toList());
    }
}
