package io.metalprompt.store;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One prompt version of a task ({@code metal:{task:ID}:versions}, field = number): 1 is the prompt generated at
 * registration; later ones come from more examples ({@code examples}), refinement ({@code refined}) or a rollout.
 * {@code examplesSeen}: the examples the version was made from, all versions before included. {@code quality}: null until
 * scored, or when the task has no validation examples; {@code rejected}: why it was never served, else null.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PromptVersion(int number, String source, int examplesSeen, String pgmVersion, Instant createdAt,
                            Quality quality, String rejected) {

    public static final String GENERATED = "generated";
    public static final String EXAMPLES = "examples";
    public static final String REFINED = "refined";

    /** Scores on the task's validation examples, beside in-context learning with the same (training) examples. */
    public record Quality(double macroF1, double accuracy, Double iclMacroF1, Double iclAccuracy, int validationExamples) {
    }

    public PromptVersion withRejected(String reason) {
        return new PromptVersion(number, source, examplesSeen, pgmVersion, createdAt, quality, reason);
    }
}
