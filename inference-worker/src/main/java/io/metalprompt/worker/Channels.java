package io.metalprompt.worker;

/**
 * Channel names of the inference-worker (topics are set in application.properties). Dead letters are written on
 * {@link #INFERENCE_RESULTS}'s transactional producer, with their topic set per record.
 */
public final class Channels {
    public static final String INFERENCE_REQUESTS = "inference-requests";
    public static final String INFERENCE_RESULTS = "inference-results";

    private Channels() {
    }
}
