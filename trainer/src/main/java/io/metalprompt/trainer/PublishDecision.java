package io.metalprompt.trainer;

import java.util.Locale;

/**
 * Whether the periodic job publishes a newly trained PGM: only if it is not worse than the version in force, on the
 * same held-out evaluation, by more than {@code threshold} (absolute, in the metric's units; a negative threshold
 * asks for an improvement of at least that much). With no version in force the new one is published; a new one
 * whose score is not a number never is.
 */
record PublishDecision(boolean publish, String reason) {

    /** {@code current}: the score of what is served now, {@code currentName} (e.g. "version X"), null if nothing. */
    static PublishDecision decide(String metric, double candidate, Double current, String currentName, double threshold) {
        if (Double.isNaN(candidate)) {
            return new PublishDecision(false, "the new PGM's " + metric + " is not a number");
        }
        if (current == null) {
            return new PublishDecision(true, String.format(Locale.ROOT,
                    "no version of this design is in force for the base model yet (new %s %.4f)", metric, candidate));
        }
        if (current.isNaN()) {
            return new PublishDecision(true, String.format(Locale.ROOT, "the %s of %s is not a number (new %s %.4f)",
                    metric, currentName, metric, candidate));
        }
        double bar = current - threshold;
        boolean publish = candidate >= bar;
        return new PublishDecision(publish, String.format(Locale.ROOT, "new %s %.4f %s %.4f (%s) - threshold %.4f = %.4f",
                metric, candidate, publish ? ">=" : "<", current, currentName, threshold, bar));
    }
}
