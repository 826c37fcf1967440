package io.metalprompt.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.jboss.logging.Logger;

import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/**
 * One batch of request records in, every record that batch's transaction writes out: one reply per request that can
 * have one, one dead letter per record that must be kept aside. Records pass the {@link RequestDoor}; the admitted
 * requests are served together by the {@link InferenceEngine}; every reply is encoded within its route's
 * {@link ReplyBudget}. Nothing here talks to Kafka, so nothing a record carries can make the producer wait: the
 * caller writes the returned records and the batch's offsets in one transaction.
 *
 * <p>Tracing: each served request gets its own {@value #SERVE_SPAN} span under its record's consumer span, and its
 * reply is written under that span (one request is followed gateway &rarr; worker &rarr; reply).
 */
public final class BatchHandler {

    private static final Logger LOG = Logger.getLogger(BatchHandler.class);
    static final String SERVE_SPAN = "serve inference-request";

    /** One request record as consumed; {@code trace} is its consumer span's context. */
    public record Incoming(String topic, int partition, long offset, long timestampMillis, byte[] key, byte[] value,
                           Headers headers, Context trace) {
    }

    /** One record to write, under {@code trace}; {@code partition} null: placed by key. */
    public record Outgoing(String topic, Integer partition, byte[] key, byte[] value, List<Header> headers,
                           Context trace) {
    }

    private final RequestDoor door;
    private final InferenceEngine engine;
    private final ReplyBudget budget;
    private final ServingMetrics metrics;
    private final Tracer tracer;
    private final String deadLetterTopic;

    public BatchHandler(RequestDoor door, InferenceEngine engine, ReplyBudget budget, ServingMetrics metrics,
                        Tracer tracer, String deadLetterTopic) {
        this.door = door;
        this.engine = engine;
        this.budget = budget;
        this.metrics = metrics;
        this.tracer = tracer;
        this.deadLetterTopic = deadLetterTopic;
    }

    public List<Outgoing> handle(List<Incoming> batch) {
        List<Outgoing> out = new ArrayList<>();
        List<InferenceRequest> requests = new ArrayList<>();
        List<Incoming> sources = new ArrayList<>();
        List<ReplyRoute> routes = new ArrayList<>();
        for (Incoming in : batch) {
            RequestDoor.Admission admission = admit(in);
            if (admission instanceof RequestDoor.Admitted admitted) {
                requests.add(admitted.request());
                sources.add(in);
                routes.add(admitted.route());
                continue;
            }
            RequestDoor.Refused refused = (RequestDoor.Refused) admission;
            if (refused.answer() != null) {
                metrics.refused(refused.answer());
                reply(refused.answer(), refused.route(), in, in.trace(), out);
            }
            if (refused.deadLetterReason() != null) {
                deadLetter(in, refused.deadLetterReason(), out);
            }
        }
        if (!requests.isEmpty()) {
            serve(requests, sources, routes, out);
        }
        return out;
    }

    /**
     * The door's verdict on one record. Whatever else goes wrong reading one record fails that record alone (a dead
     * letter with the reason), never the batch: a batch that fails is read again, and would fail again, for ever.
     * Only a broker that does not answer about a reply topic fails the batch (it is tried again once it answers).
     */
    private RequestDoor.Admission admit(Incoming in) {
        try {
            return door.admit(in.key(), in.value(), in.headers());
        } catch (ReplyTopics.Unavailable e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.errorf(e, "reading request record (topic %s, partition %d, offset %d) failed", in.topic(), in.partition(),
                    in.offset());
            return new RequestDoor.Refused(null, null, "the worker could not read this record: " + e);
        }
    }

    private void serve(List<InferenceRequest> requests, List<Incoming> sources, List<ReplyRoute> routes,
                       List<Outgoing> out) {
        long now = System.currentTimeMillis();
        List<Span> spans = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            metrics.waited(sources.get(i).timestampMillis(), now);
            spans.add(tracer.spanBuilder(SERVE_SPAN).setParent(sources.get(i).trace())
                    .setAttribute("metal.task_id", requests.get(i).taskId())
                    .setAttribute("metal.request_id", requests.get(i).requestId())
                    .setAttribute("metal.inputs", requests.get(i).inputs().size())
                    .setAttribute("metal.batch.requests", requests.size())
                    .startSpan());
        }
        long t0 = System.nanoTime();
        List<InferenceResult> answers;
        try {
            answers = engine.serve(requests);
        } catch (RuntimeException e) {
            // the engine answers every request itself; if it cannot, each still gets a clear FAILED (a rethrow would
            // fail the batch, which is then read again and fails again)
            LOG.errorf(e, "serving a batch of %d requests failed", requests.size());
            spans.forEach(span -> span.recordException(e));
            answers = requests.stream().map(r -> new InferenceResult(io.metalprompt.events.Events.SCHEMA_VERSION,
                    r.requestId(), r.taskId(), InferenceResult.Status.FAILED, List.of(),
                    "the worker could not serve this request: " + e, null, System.currentTimeMillis())).toList();
        }
        metrics.served(requests, answers, System.nanoTime() - t0);
        for (int i = 0; i < answers.size(); i++) {
            InferenceResult answer = answers.get(i);
            Span span = spans.get(i).setAttribute("metal.status", answer.status().name());
            if (answer.status() == InferenceResult.Status.FAILED) {
                span.setStatus(StatusCode.ERROR, answer.error());
            }
            span.end();
            // the reply's producer span, and so its traceparent header, continue this request's trace
            reply(answer, routes.get(i), sources.get(i), sources.get(i).trace().with(span), out);
        }
    }

    /** The reply record of {@code result} on {@code route}, or a dead letter when not even a refusal fits there. */
    private void reply(InferenceResult result, ReplyRoute route, Incoming source, Context trace, List<Outgoing> out) {
        Optional<byte[]> value = budget.encode(result, route.maxValueBytes());
        if (value.isEmpty()) {
            deadLetter(source, "no reply fits in the " + route.maxValueBytes() + " bytes reply topic "
                    + Texts.quote(route.topic()) + " takes", out);
            return;
        }
        List<Header> headers = route.correlationId() == null ? List.of()
                : List.of(new RecordHeader(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER, route.correlationId()));
        out.add(new Outgoing(route.topic(), route.partition(),
                result.taskId().getBytes(java.nio.charset.StandardCharsets.UTF_8), value.get(), headers, trace));
    }

    private void deadLetter(Incoming in, String reason, List<Outgoing> out) {
        LOG.warnf("request record (topic %s, partition %d, offset %d) to %s: %s", in.topic(), in.partition(), in.offset(),
                deadLetterTopic, reason);
        metrics.deadLettered();
        DeadLetter letter = DeadLetter.of(in.topic(), in.partition(), in.offset(), in.key(), in.value(), in.headers(),
                reason, budget.maxBytes());
        out.add(new Outgoing(deadLetterTopic, null, letter.key(), letter.value(), letter.headers(), in.trace()));
    }
}
