package io.metalprompt.worker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;

/**
 * Writes served batches with their consumed offsets, exactly once, one Kafka transaction at a time, and serves the next
 * batch meanwhile. While a transaction commits, the batches served in the meantime wait here and then go out together
 * in the next transaction, with the highest offset of each partition: a commit is several round trips to the broker,
 * as long as serving a batch, and committing each small batch on its own made commits the worker's bottleneck (every
 * record of a careless producer cost a transaction of its own, {@code KafkaFuzzIT}). At most {@link #maxWaiting}
 * batches wait; the next one then waits for the commit (the broker is slow or away: the consumer stops too).
 *
 * <p>A failed transaction is aborted and the consumer rewound to the committed offsets (SmallRye's exactly-once
 * transaction does both); the batches waiting are dropped unwritten, and so is the next batch handed in, which may have
 * been read before that rewind: its hand-over rewinds the consumer again instead, so every record not committed is
 * read again, and none is written twice. Transactions start on a thread of their own, outside any Vert.x context, so
 * that their completion never queues behind the next batch on a context's ordered queue.
 */
final class ResultsTransactions {

    private static final Logger LOG = Logger.getLogger(ResultsTransactions.class);

    private record Waiting(KafkaRecordBatch<byte[], byte[]> batch, List<BatchHandler.Outgoing> out) {
    }

    private final KafkaTransactions<byte[]> results;
    private final KafkaClientService kafka;
    private final String channel;
    private final int maxWaiting;
    private final ServingMetrics metrics;
    private final ResultsProducerHealth health;
    private final ExecutorService starter = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "metal-results-transactions");
        t.setDaemon(true);
        return t;
    });

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private final List<Waiting> waiting = new ArrayList<>();
    private boolean inFlight;
    private boolean rewindNext;

    ResultsTransactions(KafkaTransactions<byte[]> results, KafkaClientService kafka, String channel, int maxWaiting,
                        ServingMetrics metrics, ResultsProducerHealth health) {
        this.results = results;
        this.kafka = kafka;
        this.channel = channel;
        this.maxWaiting = maxWaiting;
        this.metrics = metrics;
        this.health = health;
    }

    /**
     * Hands over a served batch and the records it writes. Returns at once unless {@link #maxWaiting} batches wait
     * already; the returned Uni is a rewind of the consumer when this batch is dropped (a transaction failed).
     */
    Uni<Void> write(KafkaRecordBatch<byte[], byte[]> batch, List<BatchHandler.Outgoing> out) throws InterruptedException {
        lock.lock();
        try {
            while (waiting.size() >= maxWaiting && !rewindNext) {
                room.await();
            }
            if (rewindNext) {
                rewindNext = false;
                return rewind();
            }
            waiting.add(new Waiting(batch, out));
            if (!inFlight) {
                inFlight = true;
                starter.execute(this::startNext);
            }
            return Uni.createFrom().voidItem();
        } finally {
            lock.unlock();
        }
    }

    /** Drops a batch that could not be served (nothing of it is written) and reads it again once the commit is known. */
    Uni<Void> readAgain() throws InterruptedException {
        lock.lock();
        try {
            while (inFlight) {
                room.await();
            }
            rewindNext = false;
            return rewind();
        } finally {
            lock.unlock();
        }
    }

    private Uni<Void> rewind() {
        return kafka.getConsumer(channel).resetToLastCommittedPositions();
    }

    /** Starts one transaction for every batch waiting (on the starter thread). */
    private void startNext() {
        List<Waiting> batches;
        lock.lock();
        try {
            if (waiting.isEmpty()) {
                inFlight = false;
                room.signalAll();
                return;
            }
            batches = new ArrayList<>(waiting);
            waiting.clear();
            room.signalAll();
        } finally {
            lock.unlock();
        }
        long started = System.nanoTime();
        try {
            results.withTransaction(offsetsOf(batches), tx -> {
                for (Waiting w : batches) {
                    for (BatchHandler.Outgoing o : w.out()) {
                        tx.send(message(o));
                    }
                }
                return Uni.createFrom().voidItem();
            }).subscribe().with(ok -> committed(batches, started), this::failed);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private void committed(List<Waiting> batches, long started) {
        metrics.committed(System.nanoTime() - started, batches.size());
        health.committed();
        batches.forEach(w -> w.batch().ack());
        starter.execute(this::startNext);
    }

    private void failed(Throwable failure) {
        // already aborted, and the consumer rewound to the committed offsets (SmallRye's exactly-once transaction)
        LOG.warnf("a results transaction failed; its request records are read again: %s", failure.toString());
        health.failed(failure);
        lock.lock();
        try {
            waiting.clear();
            rewindNext = true;
            inFlight = false;
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A message that carries the batches' consumed offsets (the highest of each partition) as SmallRye's exactly-once
     * transaction reads them; its generation is the oldest of the batches', so that a rebalance since any of them fails
     * the transaction (it is then aborted and every batch read again).
     */
    private Message<Integer> offsetsOf(List<Waiting> batches) {
        Map<TopicPartition, OffsetAndMetadata> last = new HashMap<>();
        int generation = Integer.MAX_VALUE;
        for (Waiting w : batches) {
            IncomingKafkaRecordBatchMetadata<?, ?> m = w.batch().getMetadata(IncomingKafkaRecordBatchMetadata.class)
                    .orElseThrow();
            m.getOffsets().forEach((tp, offset) -> last.merge(tp, offset,
                    (a, b) -> a.offset() >= b.offset() ? a : b));
            generation = Math.min(generation, m.getConsumerGroupGenerationId());
        }
        return Message.of(batches.size(), Metadata.of(new IncomingKafkaRecordBatchMetadata<>(ConsumerRecords.empty(), channel,
                -1, last, generation)));
    }

    private static Message<byte[]> message(BatchHandler.Outgoing o) {
        OutgoingKafkaRecordMetadata.OutgoingKafkaRecordMetadataBuilder<byte[]> metadata =
                OutgoingKafkaRecordMetadata.<byte[]>builder().withTopic(o.topic()).withKey(o.key());
        if (o.partition() != null) {
            metadata.withPartition(o.partition());
        }
        // a fresh message: no incoming metadata, so the sink never reads the request's reply headers itself
        return Message.of(o.value()).addMetadata(metadata.withHeaders(new RecordHeaders(o.headers())).build())
                .addMetadata(TracingMetadata.withCurrent(o.trace()));
    }

    void close() {
        starter.shutdown();
    }
}
