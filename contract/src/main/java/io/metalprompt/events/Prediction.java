package io.metalprompt.events;

import java.util.Map;

/**
 * The answer for one input: the chosen option and every option's log-likelihood score, or the generated
 * text when the task has no options ({@code choice} null, {@code scores} empty).
 */
public record Prediction(String choice, Map<String, Double> scores, String text) {
    public Prediction {
        scores = scores == null ? Map.of() : Map.copyOf(scores);
    }
}
