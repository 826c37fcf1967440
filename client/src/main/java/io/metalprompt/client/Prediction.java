package io.metalprompt.client;

import java.util.Map;

/** The answer for one input: the chosen option with every option's log-likelihood, or generated text. */
public record Prediction(String input, String choice, Map<String, Double> scores, String text) {
}
