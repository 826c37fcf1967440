package io.metalprompt.gateway;

import java.util.concurrent.CompletionStage;

import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;

/** Sends an inference request and completes with the worker's result carrying the same {@code requestId}. */
@FunctionalInterface
public interface InferenceClient {
    CompletionStage<InferenceResult> request(InferenceRequest request);
}
