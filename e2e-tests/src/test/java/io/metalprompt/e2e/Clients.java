package io.metalprompt.e2e;

import java.net.URI;
import java.time.Duration;

import io.metalprompt.client.MetalClient;
import io.metalprompt.client.RetryPolicy;
import io.metalprompt.client.TaskRequest;
import io.metalprompt.client.TaskStatus;

/**
 * How the end-to-end tests call a packaged gateway: through the project's Java client ({@code client/}), as a user
 * would, so the client is tested against the real gateway too.
 */
final class Clients {

    private Clients() {
    }

    /**
     * A client of the gateway at {@code baseUrl} acting with {@code apiKey}; it retries a few times within 30 s, and
     * waits for a prediction as long as the gateway does.
     */
    static MetalClient of(String baseUrl, String apiKey) {
        return MetalClient.builder(URI.create(baseUrl), apiKey)
                .requestTimeout(Duration.ofSeconds(40))
                .retryPolicy(RetryPolicy.DEFAULT.withMaxTotal(Duration.ofSeconds(30)))
                .build();
    }

    /**
     * A client that sends each call once ({@link RetryPolicy#NONE}): what a load test counts, every request's own
     * answer, nothing a retry would hide.
     */
    static MetalClient withoutRetries(String baseUrl, String apiKey) {
        return MetalClient.builder(URI.create(baseUrl), apiKey)
                .requestTimeout(Duration.ofSeconds(40))
                .retryPolicy(RetryPolicy.NONE)
                .build();
    }

    /** Registers a task and waits (up to 60 s) until its prompt is ready; returns its id. */
    static String registerReady(MetalClient client, TaskRequest request) {
        String id = client.register(request).id();
        if (client.awaitReady(id, Duration.ofSeconds(60)).status() != TaskStatus.READY) {
            throw new AssertionError("task " + id + " is not ready");
        }
        return id;
    }
}
