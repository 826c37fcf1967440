package io.metalprompt.events;

/** One user example: an input text and the output the task should give for it. */
public record Example(String input, String output) {
    public Example {
        Events.require(input != null && !input.isBlank(), "example input must be a non-empty string");
        Events.require(output != null && !output.isBlank(), "example output must be a non-empty string");
    }
}
