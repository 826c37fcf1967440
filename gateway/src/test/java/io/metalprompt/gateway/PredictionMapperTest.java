package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import io.metalprompt.events.Events;
import io.metalprompt.events.InferenceResult.Status;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Prediction;

class PredictionMapperTest {

    private final PredictionMapper mapper = new PredictionMapper(7);

    private static InferenceResult result(Status status, List<Prediction> predictions) {
        return new InferenceResult(Events.SCHEMA_VERSION, "r1", "t1", status, predictions,
                status == Status.OK ? null : "because", "pgm-3", 1L);
    }

    @Test
    void okCarriesChoiceAndScoresPerInput() {
        Api.PredictionResponse r = mapper.toResponse("t1", List.of("nice"),
                result(Status.OK, List.of(new Prediction("positive", Map.of("positive", -0.1, "negative", -2.3), null))));
        assertEquals("pgm-3", r.pgmVersion());
        assertEquals("nice", r.predictions().get(0).input());
        assertEquals("positive", r.predictions().get(0).choice());
        assertEquals(-2.3, r.predictions().get(0).scores().get("negative"));
    }

    @Test
    void generationTasksCarryText() {
        Api.PredictionBody body = mapper.toResponse("t1", List.of("q"),
                result(Status.OK, List.of(new Prediction(null, null, "an answer")))).predictions().get(0);
        assertEquals("an answer", body.text());
        assertNull(body.choice());
        assertNull(body.scores());
    }

    @ParameterizedTest
    @CsvSource({"NOT_FOUND,404,0", "NOT_READY,409,7", "INVALID,422,0", "FAILED,503,7"})
    void failedStatusesMapToHttp(Status status, int http, int retryAfter) {
        ApiException e = assertThrows(ApiException.class, () -> mapper.toResponse("t1", List.of("x"), result(status, List.of())));
        assertEquals(http, e.status());
        assertEquals(retryAfter, e.retryAfterSeconds());
    }

    @Test
    void aResultMissingPredictionsIs503() {
        ApiException e = assertThrows(ApiException.class, () -> mapper.toResponse("t1", List.of("x", "y"),
                result(Status.OK, List.of(new Prediction("a", Map.of("a", 0.0), null)))));
        assertEquals(503, e.status());
    }
}
