package io.metalprompt.events;

import java.util.List;

/**
 * Kafka topics: a public interface of the system (internal producers may use them without the gateway).
 * Every topic is keyed by task id, so one task's records stay in order on one partition.
 * Partitions, retention and cleanup policy live in {@code deploy/topics.conf}, which the local scripts and
 * the Helm topic job read; a test keeps the two lists equal.
 */
public final class Topics {
    /** Task registrations from the gateway (or any internal producer) to the prompt-generator. */
    public static final String TASK_REGISTRATIONS = "metal.task-registrations";
    /** Prompt ready / failed / deleted events from the prompt-generator. */
    public static final String PROMPT_EVENTS = "metal.prompt-events";
    /** Inference requests to the inference-workers. */
    public static final String INFERENCE_REQUESTS = "metal.inference-requests";
    /** Inference results, routed back to the requester's reply partition. */
    public static final String INFERENCE_RESULTS = "metal.inference-results";
    /** Model versions published by the trainer (compacted). */
    public static final String MODEL_EVENTS = "metal.model-events";

    /** Suffix of the dead-letter topic that takes a consumed topic's records that cannot be processed. */
    public static final String DLQ_SUFFIX = ".dlq";

    public static final List<String> MAIN =
            List.of(TASK_REGISTRATIONS, PROMPT_EVENTS, INFERENCE_REQUESTS, INFERENCE_RESULTS, MODEL_EVENTS);

    private Topics() {
    }

    public static String deadLetter(String topic) {
        return topic + DLQ_SUFFIX;
    }

    /** Every topic the system uses: the main topics and their dead-letter topics. */
    public static List<String> all() {
        return MAIN.stream().flatMap(t -> java.util.stream.Stream.of(t, deadLetter(t))).toList();
    }
}
