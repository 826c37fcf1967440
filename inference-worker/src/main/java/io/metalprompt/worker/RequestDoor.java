package io.metalprompt.worker;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Events;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.InvalidRecordException;
import io.metalprompt.events.TaskIds;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/**
 * The worker's Kafka door: one request record in, and either a request to serve with its reply route, or a refusal
 * that says what the requester hears and what goes to the dead-letter topic. Nothing refused here reaches the task
 * store or the model.
 * <ul>
 *   <li>no reply can be written (the reply headers name a topic or partition the worker does not answer on): dead
 *       letter only, with the reason;</li>
 *   <li>the record is not an {@code InferenceRequest} (bytes, JSON, schema version, missing fields): dead letter, and an
 *       {@code INVALID} result with the reason when its request and task ids are readable ({@link SalvagedIds});</li>
 *   <li>a decoded request whose values the worker refuses (a task id not of the issued format, too many inputs, an
 *       empty input): an {@code INVALID} result with the reason; its request id too long to echo: dead letter.</li>
 * </ul>
 */
public final class RequestDoor {

    /** What becomes of one record. */
    public sealed interface Admission permits Admitted, Refused {
    }

    /** A request to serve, and where its reply goes. */
    public record Admitted(InferenceRequest request, ReplyRoute route) implements Admission {
    }

    /**
     * A record not served: {@code answer} (may be {@code null}) is written on {@code route} (null when there is none),
     * and the record goes to the dead-letter topic when {@code deadLetterReason} is not {@code null}.
     */
    public record Refused(InferenceResult answer, ReplyRoute route, String deadLetterReason) implements Admission {
    }

    private final ReplyRouter router;
    private final int maxInputs;
    private final int maxInputChars;
    private final Clock clock;

    public RequestDoor(ReplyRouter router, int maxInputs, int maxInputChars, Clock clock) {
        this.router = router;
        this.maxInputs = maxInputs;
        this.maxInputChars = maxInputChars;
        this.clock = clock;
    }

    public Admission admit(byte[] key, byte[] value, Headers headers) {
        ReplyRouter.Decision decision = router.route(headers);
        if (decision instanceof ReplyRouter.Refused refused) {
            return new Refused(null, null, "no reply can be written: " + refused.reason());
        }
        ReplyRoute route = ((ReplyRouter.Routed) decision).route();
        InferenceRequest request;
        try {
            request = EventCodec.decode(value, InferenceRequest.class);
        } catch (InvalidRecordException e) {
            String reason = Texts.cut(e.getMessage(), 1000);
            Header correlation = headers.lastHeader(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER);
            InferenceResult answer = SalvagedIds.from(key, value, correlation == null ? null : correlation.value())
                    .map(ids -> invalid(ids.requestId(), ids.taskId(), "not a valid inference request: " + reason))
                    .orElse(null);
            return new Refused(answer, route, reason);
        }
        if (!SalvagedIds.usable(request.requestId())) {
            return new Refused(null, route, "requestId has " + request.requestId().length()
                    + " characters, more than the " + SalvagedIds.MAX_CHARS + " a reply echoes");
        }
        Optional<String> problem = problem(request);
        if (problem.isPresent()) {
            String taskId = SalvagedIds.usable(request.taskId()) ? request.taskId() : Texts.cut(request.taskId(), 64);
            return new Refused(invalid(request.requestId(), taskId, problem.get()), route, null);
        }
        return new Admitted(request, route);
    }

    /** Why the worker will not serve this well-formed request, if it will not. */
    private Optional<String> problem(InferenceRequest request) {
        if (!TaskIds.isValid(request.taskId())) {
            return Optional.of("taskId " + Texts.quote(request.taskId()) + " is not a task id: it must be " + TaskIds.FORMAT);
        }
        List<String> inputs = request.inputs();
        if (inputs.size() > maxInputs) {
            return Optional.of("the request has " + inputs.size() + " inputs, more than the " + maxInputs
                    + " one request may have (metal.serving.max-inputs-per-request)");
        }
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).length() > maxInputChars) {
                return Optional.of("input " + i + " has " + inputs.get(i).length() + " characters, more than the "
                        + maxInputChars + " one input may have (metal.serving.max-input-chars)");
            }
            if (isBlank(inputs.get(i))) {
                return Optional.of("input " + i + " is empty: it has only spaces or invisible characters");
            }
        }
        return Optional.empty();
    }

    /** Whether {@code s} has nothing but white space (any kind, no-break spaces too), control and format characters. */
    static boolean isBlank(String s) {
        return s.codePoints().allMatch(c -> Character.isWhitespace(c) || Character.isSpaceChar(c)
                || Character.getType(c) == Character.FORMAT || Character.isISOControl(c));
    }

    private InferenceResult invalid(String requestId, String taskId, String reason) {
        return new InferenceResult(Events.SCHEMA_VERSION, requestId, taskId, InferenceResult.Status.INVALID, List.of(),
                reason, null, clock.millis());
    }
}
