package io.metalprompt.worker;

import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Events;
import io.metalprompt.events.InferenceResult;

/**
 * How many bytes a reply may have, and what is sent when a result would not fit: a result over its route's limit is
 * never handed to the producer (Kafka would refuse it, and the batch's transaction with it); its requester gets an
 * {@code INVALID} result that says how large it was, the limit, and what to send instead. A result that cannot be
 * encoded at all is answered {@code FAILED}. Before any scoring, {@link #refusal} estimates a request's result from
 * its inputs and the task's options, so a request whose answer cannot fit costs no forward pass.
 */
public final class ReplyBudget {

    private static final Logger LOG = Logger.getLogger(ReplyBudget.class);

    /** JSON of one score beyond its option's name: {@code "":} and a double of at most 24 characters, a comma. */
    private static final int SCORE_BYTES = 3 + 24 + 1;
    /** JSON of one prediction beyond its choice and scores: {@code {"choice":"","scores":{},"text":null},}. */
    private static final int PREDICTION_BYTES = 40;
    /** Room for the fixed fields of a result (schema version, ids, status, version, time). */
    private static final int RESULT_BYTES = 4096;

    private final int maxBytes;

    /** {@code maxBytes}: {@code metal.replies.max-bytes}, the most any reply may have. */
    public ReplyBudget(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    public int maxBytes() {
        return maxBytes;
    }

    /** About how many bytes the result of {@code inputs} inputs over {@code options} has, never less. */
    public static long estimate(int inputs, List<String> options) {
        long perInput = PREDICTION_BYTES;
        long longest = 0;
        for (String o : options) {
            long bytes = EventCodec.encode(o).length;   // the option as a JSON string, escapes and quotes included
            perInput += bytes + SCORE_BYTES;
            longest = Math.max(longest, bytes);
        }
        return RESULT_BYTES + inputs * (perInput + longest);
    }

    /** Why a request of {@code inputs} inputs over {@code options} gets no scores, if its result would not fit. */
    public Optional<String> refusal(int inputs, List<String> options) {
        long estimate = estimate(inputs, options);
        if (estimate <= maxBytes) {
            return Optional.empty();
        }
        long perInput = Math.max(1, (estimate - RESULT_BYTES) / Math.max(1, inputs));
        long fits = Math.max(0, (maxBytes - RESULT_BYTES) / perInput);
        return Optional.of(tooLarge("would be about " + estimate, inputs, options.size(), fits, maxBytes));
    }

    /**
     * {@code result} as it is written on a route allowing {@code limit} bytes: its JSON, or, when that is larger or
     * cannot be written, the JSON of an {@code INVALID} (too large) or {@code FAILED} (not encodable) result in its
     * place; empty when not even that fits (the request then goes to the dead-letter topic).
     */
    public Optional<byte[]> encode(InferenceResult result, int limit) {
        byte[] json;
        try {
            json = EventCodec.encode(result);
        } catch (RuntimeException e) {
            LOG.errorf(e, "the result of request %s cannot be encoded", result.requestId());
            return within(EventCodec.encode(replacement(result, InferenceResult.Status.FAILED,
                    "the worker could not encode this result: " + Texts.cut(String.valueOf(e.getMessage()), 500))), limit);
        }
        if (json.length <= limit) {
            return Optional.of(json);
        }
        int inputs = result.predictions().size();
        int options = inputs == 0 ? 0 : result.predictions().get(0).scores().size();
        long perInput = Math.max(1, json.length / Math.max(1, inputs));
        LOG.warnf("the result of request %s has %d bytes, more than the %d its reply may carry: answered INVALID",
                result.requestId(), json.length, limit);
        return within(EventCodec.encode(replacement(result, InferenceResult.Status.INVALID,
                tooLarge("is " + json.length, inputs, options, Math.max(0, limit / perInput), limit))), limit);
    }

    private static Optional<byte[]> within(byte[] json, int limit) {
        return json.length <= limit ? Optional.of(json) : Optional.empty();
    }

    private static String tooLarge(String size, int inputs, int options, long fits, int limit) {
        return "the result " + size + " bytes, more than the " + limit + " a reply may carry: send fewer inputs per"
                + " request (this one has " + inputs + " input" + (inputs == 1 ? "" : "s") + " of " + options
                + " option" + (options == 1 ? "" : "s") + " each; about " + fits + " fit)";
    }

    private static InferenceResult replacement(InferenceResult result, InferenceResult.Status status, String error) {
        return new InferenceResult(Events.SCHEMA_VERSION, result.requestId(), result.taskId(), status, List.of(), error,
                result.pgmVersion(), result.servedAtEpochMillis());
    }
}
