package io.metalprompt.gateway;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;

/**
 * Sends an inference request and waits for the worker's result carrying the same {@code requestId}. The caller
 * ({@link Predictions}) says how long to wait: the one place a prediction's timeout is decided.
 */
@FunctionalInterface
public interface InferenceClient {

    /**
     * The worker's result for {@code request}, waited for at most {@code timeout}.
     *
     * @throws TimeoutException no result came within {@code timeout} (a result arriving later is ignored)
     * @throws RuntimeException the request could not be sent, or its reply is not a valid result (the message says why)
     */
    InferenceResult request(InferenceRequest request, Duration timeout) throws TimeoutException;
}
