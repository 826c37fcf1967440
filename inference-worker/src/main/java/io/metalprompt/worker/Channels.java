package io.metalprompt.worker;

/** Channel names of the inference-worker (topics are set in application.properties). */
public final class Channels {
    public static final String INFERENCE_REQUESTS = "inference-requests";
    public static final String INFERENCE_RESULTS = "inference-results";
    public static final String REQUESTS_DLQ = "inference-requests-dlq";

    private Channels() {
    }
}
