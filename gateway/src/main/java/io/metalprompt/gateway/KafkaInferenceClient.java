package io.metalprompt.gateway;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.context.Context;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/**
 * Thin adapter over SmallRye's {@link KafkaRequestReply}: sends the request keyed by task id and completes
 * with the result whose {@code REPLY_CORRELATION_ID} header (and body {@code requestId}) matches.
 * The header contract for repliers is in docs/architecture.md. The record continues the caller's trace (its
 * {@code traceparent} header); {@value #ROUND_TRIP} times each request from sending to the worker's result. A reply
 * this instance waits for that is not a valid result goes to {@code metal.inference-results.dlq}.
 */
@ApplicationScoped
public class KafkaInferenceClient implements InferenceClient {

    static final String ROUND_TRIP = "metal.gateway.inference.roundtrip";
    private static final Logger LOG = Logger.getLogger(KafkaInferenceClient.class);
    static final String DLQ_REASON_HEADER = "dead-letter-reason";

    @Inject
    @Channel(Channels.INFERENCE_REQUESTS)
    KafkaRequestReply<InferenceRequest, String> requestReply;

    @Inject
    GatewayConfig config;

    @Inject
    MeterRegistry registry;

    @Inject
    @Channel(Channels.INFERENCE_RESULTS_DLQ)
    Emitter<String> deadLetters;

    @Override
    public CompletionStage<InferenceResult> request(InferenceRequest request) {
        Message<InferenceRequest> message = Message.of(request)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(request.taskId()).build())
                // the producer span, and so the record's traceparent, continue the caller's (HTTP request's) trace
                .addMetadata(TracingMetadata.withCurrent(Context.current()));
        Timer.Sample sample = Timer.start(registry);
        // Giving up cancels the request, which also drops its pending-reply entry (a late result is then ignored).
        return requestReply.request(message)
                .ifNoItem().after(config.gateway().predictionTimeout()).fail()
                .map(reply -> decodeOrDeadLetter(request, reply))
                .onTermination().invoke((result, failure, cancelled) -> sample.stop(roundTrip(result, failure, cancelled)))
                .subscribeAsCompletionStage();
    }

    /**
     * The round-trip timer for one outcome: the result's status in lower case ({@code ok}, {@code not_found}, ...),
     * or {@code timeout}, {@code cancelled}, {@code error}.
     */
    private Timer roundTrip(InferenceResult result, Throwable failure, boolean cancelled) {
        String outcome = result != null ? result.status().name().toLowerCase(java.util.Locale.ROOT)
                : cancelled ? "cancelled"
                : failure instanceof io.smallrye.mutiny.TimeoutException ? "timeout" : "error";
        return Timer.builder(ROUND_TRIP)
                .description("From sending an inference request to Kafka to receiving its result (or giving up)")
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry);
    }

    /** Waits until the reply consumer has its partitions (tests use it so that no early result is missed). */
    public void awaitReplyAssignment(java.time.Duration atMost) {
        requestReply.waitForAssignments().await().atMost(atMost);
    }

    /**
     * The reply to this request, or, when it is not a valid result for it, the reply goes to
     * {@code metal.inference-results.dlq} (reason in the {@code dead-letter-reason} header) and the request fails with
     * that reason. Only the instance waiting for the correlation id dead-letters a reply, so it lands there once.
     */
    private InferenceResult decodeOrDeadLetter(InferenceRequest request, Message<String> reply) {
        try {
            return decode(request, reply.getPayload());
        } catch (RuntimeException e) {
            LOG.warnf("reply to request %s (task %s) to the dead-letter topic: %s", request.requestId(),
                    request.taskId(), e.getMessage());
            deadLetters.send(Message.of(reply.getPayload() == null ? "" : reply.getPayload())
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
