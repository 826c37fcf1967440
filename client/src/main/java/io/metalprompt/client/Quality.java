package io.metalprompt.client;

/**
 * A version's scores on the task's validation examples (16), beside what in-context learning with the same examples
 * scores.
 */
public record Quality(Double macroF1, Double accuracy, Double iclMacroF1, Double iclAccuracy, Integer validationExamples) {
}
