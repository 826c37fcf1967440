package io.metalprompt.client;

import java.util.Objects;

/** One few-shot example: an input text and the output the task should give for it. */
public record Example(String input, String output) {

    public Example {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
    }

    public static Example of(String input, String output) {
        return new Example(input, output);
    }
}
