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
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/**
 * Thin adapter over SmallRye's {@link KafkaRequestReply}: sends the request keyed by task id and completes
 * with the result whose {@code REPLY_CORRELATION_ID} header (and body {@code requestId}) matches.
 * The header contract for repliers is in docs/architecture.md. A reply this instance waits for that is not a valid
 * result goes to {@code metal.inference-results.dlq}.
 */
@ApplicationScoped
public class KafkaInferenceClient implements InferenceClient {

    private static final Logger LOG = Logger.getLogger(KafkaInferenceClient.class);
    static final String DLQ_REASON_HEADER = "dead-letter-reason";

    @Inject
    @Channel(Channels.INFERENCE_REQUESTS)
    KafkaRequestReply<InferenceRequest, String> requestReply;

    @Inject
    GatewayConfig config;

    @Inject
    @Channel(Channels.INFERENCE_RESULTS_DLQ)
    Emitter<String> deadLetters;

    @Override
    public CompletionStage<InferenceResult> request(InferenceRequest request) {
        Message<InferenceRequest> message = Message.of(request)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(request.taskId()).build());
        // Giving up cancels the request, which also drops its pending-reply entry (a late result is then ignored).
        return requestReply.request(message)
                .ifNoItem().after(config.gateway().predictionTimeout()).fail()
                .map(reply -> decodeOrDeadLetter(request, reply))
                .subscribeAsCompletionStage();
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
