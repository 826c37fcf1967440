package io.metalprompt.client;

/**
 * Background refinement asked for (16): {@code {"steps": N}}, 1 to 200 gradient steps on the task's examples; the
 * refined prompt is served if it is not worse on the validation examples.
 */
public record Refinement(int steps) {

    public static Refinement steps(int steps) {
        return new Refinement(steps);
    }
}
