package io.metalprompt.promptgen;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.PromptEvent;
import io.metalprompt.events.TaskEvent;
import io.opentelemetry.context.Context;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Thin messaging adapter: a batch of task records in (what one poll returns, at most {@code metal.prompts.max-batch};
 * nothing waits for a batch to fill), their prompt events out (keyed by task id). A burst of registrations is thus
 * generated in batched PGM passes ({@link PromptTaskHandler#handleAll}). The batch's offsets are committed only after
 * every event it produced is acknowledged by the broker, which happens after the prompts are stored, so a crash
 * redelivers the batch and the handler answers what is already stored without generating it again. A record that
 * cannot be decoded goes alone to {@code metal.task-registrations.dlq} with {@code dead-letter-reason} and its source
 * topic, partition and offset (the headers SmallRye's own dead-letter queue writes); the rest of its batch goes on.
 * While Redis cannot be reached the batch is tried again for up to a minute ({@link StoreRetry}); after that the
 * batch fails and its records are dead-lettered ({@code failure-strategy}).
 */
@ApplicationScoped
public class RegistrationConsumer {

    @Inject
    PromptTaskHandler handler;

    @Inject
    GenerationActivity generation;   // background work (version 1's reports) waits while batches come in

    @Inject
    @Channel(Channels.PROMPT_EVENTS)
    MutinyEmitter<String> prompts;

    @Inject
    @Channel(Channels.REGISTRATIONS_DEAD_LETTERS)
    MutinyEmitter<String> deadLetters;

    private final StoreRetry retry = new StoreRetry(Duration.ofSeconds(60), Duration.ofMillis(250),
            pause -> Thread.sleep(pause.toMillis()));

    @Incoming(Channels.TASK_REGISTRATIONS)
    @Blocking
    public Uni<Void> onBatch(KafkaRecordBatch<String, String> batch) {
        // a Message parameter: acknowledged here (manual), once what the batch produced is written, never before
        Uni<Void> written;
        generation.begin();
        try {
            written = handle(batch);
        } catch (RuntimeException e) {
            written = Uni.createFrom().failure(e);
        } finally {
            generation.end();
        }
        return written.onItemOrFailure().transformToUni((done, failure) -> Uni.createFrom().completionStage(
                failure == null ? batch.ack() : batch.nack(failure)));
    }

    /** Handles the batch's records; completes once every prompt event and dead letter they made is acknowledged. */
    private Uni<Void> handle(KafkaRecordBatch<String, String> batch) {
        List<TaskEvent> events = new ArrayList<>();
        List<Context> traces = new ArrayList<>();   // each event's record's trace, which its prompt event continues
        List<Uni<Void>> writes = new ArrayList<>();
        for (KafkaRecord<String, String> r : batch) {
            try {
                events.add(EventCodec.decode(r.getPayload(), TaskEvent.class));
                traces.add(TracingMetadata.fromMessage(r).map(TracingMetadata::getCurrentContext).orElse(Context.root()));
            } catch (RuntimeException e) {
                writes.add(deadLetter(r, e));
            }
        }
        List<Optional<PromptEvent>> out = retry.call("handling " + events.size() + " task records",
                () -> handler.handleAll(events, i -> traces.get(i).makeCurrent()::close));
        for (int i = 0; i < out.size(); i++) {
            Context trace = traces.get(i);
            out.get(i).ifPresent(e -> writes.add(prompts.sendMessage(Message.of(EventCodec.encodeToString(e))
                    .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(e.taskId()).build())
                    .addMetadata(TracingMetadata.withCurrent(trace)))));
        }
        return writes.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(writes).andFailFast().replaceWithVoid();
    }

    private Uni<Void> deadLetter(KafkaRecord<String, String> r, RuntimeException reason) {
        long offset = r.getMetadata(IncomingKafkaRecordMetadata.class).map(IncomingKafkaRecordMetadata::getOffset)
                .orElse(-1L);
        RecordHeaders headers = new RecordHeaders(r.getHeaders().toArray());
        headers.add("dead-letter-reason", text(String.valueOf(reason.getMessage())));
        headers.add("dead-letter-cause", text(reason.getClass().getName()));
        headers.add("dead-letter-topic", text(r.getTopic()));
        headers.add("dead-letter-partition", text(Integer.toString(r.getPartition())));
        headers.add("dead-letter-offset", text(Long.toString(offset)));
        return deadLetters.sendMessage(Message.of(r.getPayload() == null ? "" : r.getPayload())
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(r.getKey()).withHeaders(headers)
                        .build()));
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
