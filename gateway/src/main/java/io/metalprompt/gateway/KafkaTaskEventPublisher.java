package io.metalprompt.gateway;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.TaskEvent;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/** Thin adapter: writes a task event as EventCodec JSON, keyed by task id, and completes on the broker's ack. */
@ApplicationScoped
public class KafkaTaskEventPublisher implements TaskEventPublisher {

    @Inject
    @Channel(Channels.TASK_REGISTRATIONS)
    Emitter<String> emitter;

    @Override
    public CompletionStage<Void> publish(TaskEvent event) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        Message<String> message = Message.of(EventCodec.encodeToString(event))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(event.taskId()).build())
                .withAck(() -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    acked.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                });
        try {
            emitter.send(message);
        } catch (RuntimeException e) {
            acked.completeExceptionally(e);
        }
        return acked;
    }
}
