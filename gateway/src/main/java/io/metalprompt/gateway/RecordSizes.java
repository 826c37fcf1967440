package io.metalprompt.gateway;

/**
 * Upper bounds, from the {@link Limits}, of the Kafka records one prediction call causes: the {@code InferenceRequest}
 * the gateway writes and the {@code InferenceResult} the worker writes back (a score per input and option, a choice per
 * input). A record larger than the topic's {@code max.message.bytes} (1 MB by default) cannot be written: the worker
 * would retry it and the caller wait in vain. {@code RecordSizesTest} checks the defaults against deploy/topics.conf;
 * the gateway logs the bounds of its settings at start.
 */
public final class RecordSizes {

    /** Most bytes one character takes in EventCodec's JSON: a control character is written as a six-character escape. */
    static final int BYTES_PER_CHAR = 6;
    /** The longest JSON number a score can be written as, e.g. {@code -1.7976931348623157E308}. */
    static final int NUMBER_BYTES = 24;
    /** Everything of a record that does not grow with the limits: field names, ids, status, error, version, time. */
    static final int FIXED_BYTES = 4096;
    /** One prediction's own JSON around its choice and scores: {@code {"choice":,"scores":{},"text":null},}. */
    static final int PER_PREDICTION_BYTES = 64;

    private RecordSizes() {
    }

    /** The largest {@code InferenceResult} of one call within the limits. */
    public static long worstResult(Limits limits) {
        long option = string(limits.maxOptionChars());
        return FIXED_BYTES + (long) limits.maxInputsPerCall() * (PER_PREDICTION_BYTES + option)
                + (long) limits.maxScoresPerCall() * (option + 1 + NUMBER_BYTES + 1);
    }

    /** The largest {@code InferenceRequest} of one call within the limits. */
    public static long worstRequest(Limits limits) {
        return FIXED_BYTES + (long) limits.maxInputsPerCall() * (string(limits.maxInputChars()) + 1);
    }

    private static long string(int chars) {
        return 2 + (long) chars * BYTES_PER_CHAR;
    }
}
