package io.metalprompt.gateway;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Topics;
import io.metalprompt.service.kafka.KafkaSpans;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/**
 * Sends an inference request keyed by task id, with the reply headers of the request-reply contract
 * ({@code REPLY_CORRELATION_ID} = the body's requestId, {@code REPLY_TOPIC}; docs/architecture.md), and waits, as
 * long as the caller says, for the result {@link ReplyConsumer} matches to it. The request waits in
 * {@link PendingReplies} from before it is sent. The record continues the caller's trace (its {@code traceparent}
 * header); {@value #ROUND_TRIP} times each request from sending to the worker's result. A reply this instance waits for that is not a valid
 * result goes to {@code metal.inference-results.dlq}.
 */
@ApplicationScoped
public class KafkaInferenceClient implements InferenceClient {

    static final String ROUND_TRIP = "metal.gateway.inference.roundtrip";
    private static final Logger LOG = Logger.getLogger(KafkaInferenceClient.class);
    static final String DLQ_REASON_HEADER = "dead-letter-reason";

    @Inject
    RequestProducer producer;

    /** The round-trip timer per outcome, looked up once (a registry lookup per request is measurable here). */
    private final Map<String, Timer> roundTrips = new ConcurrentHashMap<>();

    @Inject
    Tracer tracer;

    @Inject
    OpenTelemetry openTelemetry;

    @Inject
    PendingReplies pending;

    @Inject
    GatewayConfig config;

    @Inject
    MeterRegistry registry;

    @Inject
    RoundTripStages stages;

    @Inject
    @Channel(Channels.INFERENCE_RESULTS_DLQ)
    Emitter<String> deadLetters;

    /**
     * Registers the request as waiting, sends it and blocks the calling (worker) thread until its result, a failed send
     * or {@code timeout}; the request is forgotten afterwards either way, so a late result is ignored.
     */
    @Override
    public InferenceResult request(InferenceRequest request, Duration timeout) throws TimeoutException {
        String id = request.requestId();
        Timer.Sample sample = Timer.start(registry);
        String outcome = "error";
        CompletableFuture<PendingReplies.Reply> reply = pending.register(id);
        long sentMillis = System.currentTimeMillis();
        AtomicLong ackedMillis = new AtomicLong();
        try {
            send(request, reply, ackedMillis);
            PendingReplies.Reply r = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            stages.record(sentMillis, ackedMillis.get(), r, System.nanoTime());
            InferenceResult result = decodeOrDeadLetter(request, r.payload());
            outcome = result.status().name().toLowerCase(Locale.ROOT);
            return result;
        } catch (TimeoutException e) {
            outcome = "timeout";
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("could not send the request to Kafka: " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the result", e);
        } finally {
            pending.forget(id);
            sample.stop(roundTrip(outcome));
        }
    }

    /**
     * Writes the request with the reply headers, its producer span continuing the caller's (HTTP request's) trace; a
     * send the producer refuses or gives up on fails {@code reply}.
     */
    private void send(InferenceRequest request, CompletableFuture<PendingReplies.Reply> reply, AtomicLong ackedMillis) {
        RecordHeaders headers = new RecordHeaders(List.of(
                new RecordHeader(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER, bytes(request.requestId())),
                new RecordHeader(KafkaRequestReply.DEFAULT_REPLY_TOPIC_HEADER, bytes(Topics.INFERENCE_RESULTS))));
        KafkaSpans.published(tracer, openTelemetry.getPropagators().getTextMapPropagator(), Topics.INFERENCE_REQUESTS,
                Context.current(), headers);
        try {
            producer.send(new ProducerRecord<>(Topics.INFERENCE_REQUESTS, null, request.taskId(),
                    EventCodec.encode(request), headers), (metadata, failure) -> {
                        if (failure != null) {
                            reply.completeExceptionally(failure);
                        } else {
                            ackedMillis.set(System.currentTimeMillis());
                        }
                    });
        } catch (RuntimeException e) {   // e.g. no metadata within max.block.ms, or the producer is closed
            reply.completeExceptionally(e);
        }
    }

    /**
     * The round-trip timer for one outcome: the result's status in lower case ({@code ok}, {@code not_found}, ...),
     * or {@code timeout}, {@code error}.
     */
    private Timer roundTrip(String outcome) {
        return roundTrips.computeIfAbsent(outcome, o -> Timer.builder(ROUND_TRIP)
                .description("From sending an inference request to Kafka to receiving its result (or giving up)")
                .tag("outcome", o)
                .publishPercentileHistogram()
                .register(registry));
    }

    /**
     * On shutdown, before the channels close, gives the requests in flight up to the prediction timeout to get their
     * results (a rolling update then answers them instead of cutting them off).
     */
    void drain(@Observes ShutdownEvent event) throws InterruptedException {
        long deadline = System.nanoTime() + config.gateway().predictionTimeout().toNanos();
        while (pending.size() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /**
     * The reply to this request, or, when it is not a valid result for it, the reply goes to
     * {@code metal.inference-results.dlq} (reason in the {@code dead-letter-reason} header) and the request fails with
     * that reason. Only the instance waiting for the correlation id dead-letters a reply, so it lands there once.
     */
    private InferenceResult decodeOrDeadLetter(InferenceRequest request, String payload) {
        try {
            return decode(request, payload);
        } catch (RuntimeException e) {
            LOG.warnf("reply to request %s (task %s) to the dead-letter topic: %s", request.requestId(),
                    request.taskId(), e.getMessage());
            deadLetters.send(Message.of(payload == null ? "" : payload)
                    .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(request.taskId())
                            .withHeaders(List.of(
                                    new RecordHeader(DLQ_REASON_HEADER, bytes(e.getMessage())),
                                    new RecordHeader(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER,
                                            bytes(request.requestId())))).build())
                    .withNack(failure -> {
                        LOG.errorf("could not dead-letter the reply to request %s: %s", request.requestId(),
                                failure.getMessage());
                        return CompletableFuture.completedFuture(null);
                    }));
            throw e;
        }
    }

    private static byte[] bytes(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }

    static InferenceResult decode(InferenceRequest request, String json) {
        InferenceResult result = EventCodec.decode(json, InferenceResult.class);
        if (!request.requestId().equals(result.requestId())) {
            throw new IllegalStateException("the result's requestId " + result.requestId()
                    + " does not match its correlation id " + request.requestId());
        }
        return result;
    }
}
