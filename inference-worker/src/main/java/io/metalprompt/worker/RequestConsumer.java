package io.metalprompt.worker;

import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import io.opentelemetry.context.Context;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;

/**
 * Thin messaging adapter: a batch of request records in; the records {@link BatchHandler} makes of it (replies, dead
 * letters) go out with the batch's consumed offsets in a Kafka transaction ({@link ResultsTransactions}, which writes
 * the batches served while the previous transaction committed together). A worker killed mid-batch leaves an open
 * transaction that the broker aborts, and the worker that takes over the partition answers the batch again, so a
 * {@code read_committed} reader sees exactly one result per request; a dead-lettered record is committed with its
 * offset, so it is never read again. Keys and values stay bytes: a dead letter carries the original bytes.
 */
@ApplicationScoped
public class RequestConsumer {

    private static final Logger LOG = Logger.getLogger(RequestConsumer.class);
    /** Served batches that may wait for the transaction in flight before the consumer waits too. */
    static final int MAX_WAITING_BATCHES = 16;

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

    @Inject
    KafkaClientService kafka;

    private ResultsTransactions transactions;

    @PostConstruct
    void start() {
        transactions = new ResultsTransactions(results, kafka, Channels.INFERENCE_REQUESTS, MAX_WAITING_BATCHES, metrics,
                health);
    }

    @Incoming(Channels.INFERENCE_REQUESTS)
    @Blocking
    public Uni<Void> onBatch(KafkaRecordBatch<byte[], byte[]> batch) throws InterruptedException {
        List<BatchHandler.Outgoing> out;
        try {
            out = handler.handle(incoming(batch));
        } catch (ReplyTopics.Unavailable e) {
            // the broker did not answer about a reply topic: nothing of this batch is written, it is read again
            LOG.warnf("a batch of %d request records is read again: %s", batch.getRecords().size(), e.getMessage());
            health.failed(e);
            return transactions.readAgain();
        }
        return transactions.write(batch, out);
    }

    private static List<BatchHandler.Incoming> incoming(KafkaRecordBatch<byte[], byte[]> batch) {
        List<BatchHandler.Incoming> records = new ArrayList<>();
        for (KafkaRecord<byte[], byte[]> r : batch) {
            Context trace = TracingMetadata.fromMessage(r).map(TracingMetadata::getCurrentContext).orElse(Context.root());
            records.add(new BatchHandler.Incoming(r.getTopic(), r.getPartition(),
                    r.getMetadata(IncomingKafkaRecordMetadata.class).map(IncomingKafkaRecordMetadata::getOffset).orElse(-1L),
                    r.getTimestamp().toEpochMilli(), r.getKey(), r.getPayload(), r.getHeaders(), trace));
        }
        return records;
    }

    @PreDestroy
    void stop() {
        transactions.close();
    }
}
