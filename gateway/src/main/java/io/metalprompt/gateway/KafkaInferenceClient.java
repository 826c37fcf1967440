package io.metalprompt.gateway;

import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/**
 * Thin adapter over SmallRye's {@link KafkaRequestReply}: sends the request keyed by task id and completes
 * with the result whose {@code REPLY_CORRELATION_ID} header (and body {@code requestId}) matches.
 * The header contract for repliers is in docs/architecture.md.
 */
@ApplicationScoped
public class KafkaInferenceClient implements InferenceClient {

    @Inject
    @Channel(Channels.INFERENCE_REQUESTS)
    KafkaRequestReply<InferenceRequest, String> requestReply;

    @Inject
    GatewayConfig config;

    @Override
    public CompletionStage<InferenceResult> request(InferenceRequest request) {
        Message<InferenceRequest> message = Message.of(request)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(request.taskId()).build());
        // Giving up cancels the request, which also drops its pending-reply entry (a late result is then ignored).
        return requestReply.request(message)
                .ifNoItem().after(config.gateway().predictionTimeout()).fail()
                .map(reply -> decode(request, reply.getPayload()))
                .subscribeAsCompletionStage();
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
