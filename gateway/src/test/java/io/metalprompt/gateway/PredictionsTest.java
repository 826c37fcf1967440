package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.InferenceRequest;

/** Predicting ({@link Predictions}): the worker's answer, its timeout, the tenant's permits and the counts. */
class PredictionsTest extends TaskUseCaseTest {

    @Test
    void predictingAPendingTaskIs409NamingItsStatus() {
        service.register("acme", REQUEST);
        ApiException e = assertThrows(ApiException.class,
                () -> predictions.predict("acme", ID_1, new Api.PredictionRequest(List.of("x"))));
        assertEquals(409, e.status());
        assertTrue(e.detail().contains("is pending"), e.detail());
    }

    @Test
    void predictionSendsARequestKeyedByTaskAndMapsTheResult() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        workerAnswers.complete(null);
        Api.PredictionResponse response = predictions.predict("acme", ID_1, new Api.PredictionRequest(List.of("fine")));
        InferenceRequest request = sent.get(0);
        assertEquals(ID_1, request.taskId());
        assertEquals(Instant.parse("2026-01-02T03:04:05Z").toEpochMilli() + 300, request.deadlineEpochMillis(),
                "the deadline is the prediction timeout from now");
        assertEquals("positive", response.predictions().get(0).choice());
    }

    @Test
    void noAnswerWithinTheTimeoutIs504WithRetryAfter() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        long t0 = System.nanoTime();
        ApiException api = assertThrows(ApiException.class, () -> predictions.predict("acme", ID_1,
                new Api.PredictionRequest(List.of("fine"))));
        long waited = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(504, api.status());
        assertEquals(3, api.retryAfterSeconds());
        assertTrue(waited >= 300, "waited the 300 ms prediction timeout, not " + waited + " ms");
        assertEquals(0, quotas.inProgress("acme"));
    }

    @Test
    void aRequestThatCannotBeSentIs503WithTheConfiguredRetryAfter() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        sendFailure = new IllegalStateException("could not send the request to Kafka: broker down");
        ApiException api = assertThrows(ApiException.class, () -> predictions.predict("acme", ID_1,
                new Api.PredictionRequest(List.of("fine"))));
        assertEquals(503, api.status());
        assertEquals(3, api.retryAfterSeconds());
        assertTrue(api.detail().contains("broker down"), api.detail());
        assertEquals(0, quotas.inProgress("acme"));
    }

    @Test
    void aPredictionCountsAsInProgressUntilTheWorkerAnswers() throws InterruptedException {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        CompletableFuture<Api.PredictionResponse> first = CompletableFuture.supplyAsync(() -> predictions.predict("acme",
                ID_1, new Api.PredictionRequest(List.of("fine"))));
        CompletableFuture<Api.PredictionResponse> second = CompletableFuture.supplyAsync(() -> predictions.predict("acme",
                ID_1, new Api.PredictionRequest(List.of("fine"))));
        while (sent.size() < 2) {
            Thread.sleep(5);
        }
        assertEquals(2, quotas.inProgress("acme"));
        ApiException e = assertThrows(ApiException.class, () -> views.get("acme", ID_1));
        assertEquals(429, e.status());
        assertEquals("too-many-concurrent-requests", e.slug());
        assertEquals(404, assertThrows(ApiException.class, () -> views.get("other", ID_1)).status(),
                "another tenant's requests are counted apart");
        workerAnswers.complete(null);
        first.join();
        second.join();
        assertEquals(0, quotas.inProgress("acme"), "both permits are given back");
        assertEquals("ready", views.get("acme", ID_1).status());
    }

    @Test
    void aRefusedPredictionGivesItsPermitBack() {
        service.register("acme", REQUEST);
        for (int i = 0; i < 3; i++) {
            assertEquals(409, assertThrows(ApiException.class,
                    () -> predictions.predict("acme", ID_1, new Api.PredictionRequest(List.of("x")))).status());
        }
        assertEquals(0, quotas.inProgress("acme"));
    }

    @Test
    void anAnsweredPredictionIsCountedWithThePositionsTheWorkerRead() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        workerAnswers.complete(null);
        predictions.predict("acme", ID_1, new Api.PredictionRequest(List.of("fine", "awful")));
        assertEquals(Map.of("inputsAnswered", 2L, "tokensRead", 80L), metering.byTenant.get("acme").get(ID_1));
    }

    @Test
    void aPredictionNotAnsweredIsNotCounted() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        assertEquals(504, assertThrows(ApiException.class,
                () -> predictions.predict("acme", ID_1, new Api.PredictionRequest(List.of("fine")))).status());
        assertTrue(metering.byTenant.isEmpty());
    }

    @Test
    void aTaskDeletedThroughThisGatewayIsNotServedFromTheReadyTasksItRemembers() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        workerAnswers.complete(null);
        predictions.predict("acme", ID_1, new Api.PredictionRequest(List.of("fine")));   // remembered as ready
        service.delete("acme", ID_1);
        ApiException e = assertThrows(ApiException.class,
                () -> predictions.predict("acme", ID_1, new Api.PredictionRequest(List.of("fine"))));
        assertEquals(404, e.status());
        assertEquals(1, sent.size(), "the second prediction never reached the worker");
    }
}
