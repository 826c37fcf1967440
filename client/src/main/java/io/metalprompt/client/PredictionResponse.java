package io.metalprompt.client;

import java.util.List;

/** Answers in the order of the inputs; {@code version} is the prompt version that answered (16; null before). */
public record PredictionResponse(String taskId, String pgmVersion, Integer version, List<Prediction> predictions) {

    /** The chosen option of every input, in order. */
    public List<String> choices() {
        return predictions.stream().map(Prediction::choice).toList();
    }
}
