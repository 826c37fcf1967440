package io.metalprompt.gateway;

import java.util.ArrayList;
import java.util.List;

import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Prediction;

/** Turns a worker's {@link InferenceResult} into the HTTP answer, or into the {@link ApiException} its status means. */
public final class PredictionMapper {

    private final int retryAfterSeconds;

    public PredictionMapper(int retryAfterSeconds) {
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public Api.PredictionResponse toResponse(String taskId, List<String> inputs, InferenceResult result) {
        String error = result.error() == null ? "" : ": " + result.error();
        switch (result.status()) {
            case OK:
                break;
            case NOT_FOUND:
                throw ApiException.notFound("the inference worker does not know task " + taskId + error);
            case NOT_READY:
                throw ApiException.conflict("the prompt of task " + taskId + " is not ready on the inference worker yet"
                        + error + "; retry later", retryAfterSeconds);
            case INVALID:
                throw ApiException.unprocessable("the inference worker rejected the inputs" + error);
            case FAILED:
            default:
                throw ApiException.unavailable("the inference worker failed to answer" + error + "; retry later",
                        retryAfterSeconds);
        }
        List<Prediction> predictions = result.predictions();
        if (predictions.size() != inputs.size()) {
            throw ApiException.unavailable("the inference worker answered " + predictions.size() + " of "
                    + inputs.size() + " inputs; retry later", retryAfterSeconds);
        }
        List<Api.PredictionBody> bodies = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            Prediction p = predictions.get(i);
            bodies.add(p.choice() != null
                    ? new Api.PredictionBody(inputs.get(i), p.choice(), p.scores(), null)
                    : new Api.PredictionBody(inputs.get(i), null, null, p.text()));
        }
        return new Api.PredictionResponse(taskId, result.pgmVersion(),
                result.promptVersion() > 0 ? Integer.valueOf((int) result.promptVersion()) : null, bodies);
    }
}
