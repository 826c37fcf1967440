package io.metalprompt.gateway;

import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

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
 * {@code traceparent} header); {@value #ROUND_TRIP} times each request from sending to the worker's result.
 */
@ApplicationScoped
public class KafkaInferenceClient implements InferenceClient {

    static final String ROUND_TRIP = "metal.gateway.inference.roundtrip";

    @Inject
    @Channel(Channels.INFERENCE_REQUESTS)
    KafkaRequestReply<InferenceRequest, String> requestReply;

    @Inject
    GatewayConfig config;

    @Inject
    MeterRegistry registry;

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
                .map(reply -> decode(request, reply.getPayload()))
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

    static InferenceResult decode(InferenceRequest request, String json) {
        InferenceResult result = EventCodec.decode(json, InferenceResult.class);
        if (!request.requestId().equals(result.requestId())) {
            throw new IllegalStateException("the result's requestId " + result.requestId()
                    + " does not match its correlation id " + request.requestId());
        }
        return result;
    }
}
