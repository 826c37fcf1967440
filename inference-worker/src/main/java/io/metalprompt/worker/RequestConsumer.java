package io.metalprompt.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.opentelemetry.context.Context;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;

/**
 * Thin messaging adapter: a batch of request records in; the records {@link BatchHandler} makes of it (replies, dead
 * letters) and the batch's consumed offsets out, in one Kafka transaction. A worker killed mid-batch leaves an open
 * transaction that the broker aborts, and the worker that takes over the partition answers the batch again, so a
 * {@code read_committed} reader sees exactly one result per request; a dead-lettered record is committed with its
 * offset, so it is never read again. A failed transaction is aborted and the batch is read again from the committed
 * offsets. Keys and values stay bytes: a dead letter carries the original bytes.
 */
@ApplicationScoped
public class RequestConsumer {

    @Inject
    BatchHandler handler;

    @Inject
    @Liveness   // a health check's qualifier
    ResultsProducerHealth health;

    @Inject
    ServingMetrics metrics;

    @Inject
    @Channel(Channels.INFERENCE_RESULTS)
    KafkaTransactions<byte[]> results;

    @Incoming(Channels.INFERENCE_REQUESTS)
    @Blocking
    public Uni<Void> onBatch(KafkaRecordBatch<byte[], byte[]> batch) {
        AtomicLong handed = new AtomicLong();
        return results.withTransactionAndAck(batch, tx -> {
            List<BatchHandler.Incoming> records = new ArrayList<>();
            for (KafkaRecord<byte[], byte[]> r : batch) {
                Context trace = TracingMetadata.fromMessage(r).map(TracingMetadata::getCurrentContext).orElse(Context.root());
                records.add(new BatchHandler.Incoming(r.getTopic(), r.getPartition(),
                        r.getMetadata(IncomingKafkaRecordMetadata.class).map(IncomingKafkaRecordMetadata::getOffset).orElse(-1L),
                        r.getTimestamp().toEpochMilli(), r.getKey(), r.getPayload(), r.getHeaders(), trace));
            }
            for (BatchHandler.Outgoing o : handler.handle(records)) {
                OutgoingKafkaRecordMetadata.OutgoingKafkaRecordMetadataBuilder<byte[]> metadata =
                        OutgoingKafkaRecordMetadata.<byte[]>builder().withTopic(o.topic()).withKey(o.key());
                if (o.partition() != null) {
                    metadata.withPartition(o.partition());
                }
                // a fresh message: no incoming metadata, so the sink never reads the request's reply headers itself
                tx.send(Message.of(o.value()).addMetadata(metadata.withHeaders(new RecordHeaders(o.headers())).build())
                        .addMetadata(TracingMetadata.withCurrent(o.trace())));
            }
            handed.set(System.nanoTime());
            return Uni.createFrom().voidItem();
        }).onItem().invoke(() -> {
            metrics.committed(System.nanoTime() - handed.get());
            health.committed();
        }).onFailure().invoke(health::failed);
    }
}
