package io.metalprompt.worker;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * The serving loop's transactional results producer: one transaction per served batch (its replies and dead letters,
 * then its next offsets), run on a committer thread of its own so that the loop serves the next batch meanwhile; an
 * idle worker's transaction is begun with the batch's offsets while the batch is served ({@link #open});
 * after a failure, an abort, or, when the producer cannot abort (fenced, in an error state, a commit that timed out),
 * a new producer from the same settings: the same {@code transactional.id}, so its start fences the old one and aborts
 * what it left open. Starting a producer is tried again after a pause until the broker answers.
 */
final class ResultsTransactions {

    private static final Logger LOG = Logger.getLogger(ResultsTransactions.class);

    private final Supplier<Producer<byte[], byte[]>> producers;
    private final RecordTracing tracing;
    private final ServingLoop.Listener listener;
    private final Duration retryBackoff;
    private final LongSupplier nanoTime;
    private final BooleanSupplier closing;
    private final ExecutorService committer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "metal-serving-commit");
        t.setDaemon(true);
        return t;
    });
    private volatile Producer<byte[], byte[]> producer;
    /** A transaction {@link #open} began for the batch being served (its outcome: the failure, or null), or null. */
    private Future<KafkaException> opened;
    private Map<TopicPartition, OffsetAndMetadata> openedOffsets;

    ResultsTransactions(Supplier<Producer<byte[], byte[]>> producers, RecordTracing tracing, ServingLoop.Listener listener,
                        Duration retryBackoff, LongSupplier nanoTime, BooleanSupplier closing) {
        this.producers = producers;
        this.tracing = tracing;
        this.listener = listener;
        this.retryBackoff = retryBackoff;
        this.nanoTime = nanoTime;
        this.closing = closing;
    }

    /** Starts the first producer's transactions (waits for the broker; a close stops the wait). */
    void start() throws InterruptedException {
        producer = started();
    }

    /** Whether a producer with started transactions is there. */
    boolean ready() {
        return producer != null;
    }

    /**
     * Begins a transaction and sends {@code offsets} (the batch about to be served) to it on the committer thread, so
     * that the coordinator round trips of {@code sendOffsetsToTransaction} overlap the serving instead of following
     * it: with one request at a time they were a third of a batch's commit. Only when no transaction is in flight; the
     * next {@link #commit} writes the batch's answers into this transaction and commits it, {@link #abandon} aborts it.
     */
    void open(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        Producer<byte[], byte[]> p = producer;
        openedOffsets = offsets;
        opened = committer.submit(() -> {
            try {
                p.beginTransaction();
                p.sendOffsetsToTransaction(offsets, group);
                return null;
            } catch (KafkaException e) {
                return e;
            }
        });
    }

    /**
     * Writes {@code out} and commits {@code offsets} for {@code group} in one transaction, on the committer thread
     * (the one {@link #open} began, if it did). Call it again only after the previous outcome is known. The outcome:
     * the failure (the open's, if that failed), or null once committed.
     */
    Future<KafkaException> commit(List<BatchHandler.Outgoing> out, Map<TopicPartition, OffsetAndMetadata> offsets,
                                  ConsumerGroupMetadata group) {
        Producer<byte[], byte[]> p = producer;
        Future<KafkaException> begun = opened;
        boolean offsetsSent = begun != null && offsets.equals(openedOffsets);
        opened = null;
        openedOffsets = null;
        return committer.submit(() -> {
            long handed = nanoTime.getAsLong();
            try {
                if (begun == null) {
                    p.beginTransaction();
                } else {
                    KafkaException failed = begun.get();   // done: the committer runs its tasks in order
                    if (failed != null) {
                        return failed;
                    }
                }
                for (BatchHandler.Outgoing o : out) {
                    p.send(tracing.toRecord(o));
                }
                if (!offsetsSent) {
                    p.sendOffsetsToTransaction(offsets, group);
                }
                p.commitTransaction();
                listener.committed(nanoTime.getAsLong() - handed);
                return null;
            } catch (KafkaException e) {
                return e;
            }
        });
    }

    /**
     * Ends the transaction {@link #open} began when its batch could not be served: aborted, or the producer replaced
     * if it cannot abort. Nothing to do when none was begun.
     */
    void abandon() throws InterruptedException {
        Future<KafkaException> begun = opened;
        opened = null;
        openedOffsets = null;
        if (begun == null) {
            return;
        }
        try {
            begun.get();
        } catch (ExecutionException e) {
            LOG.debugf("beginning a transaction: %s", e.getCause());
        }
        recover();
    }

    /** After a failed transaction (no other in flight): aborts it, or replaces the producer if it cannot. */
    void recover() throws InterruptedException {
        try {
            producer.abortTransaction();
        } catch (KafkaException e) {
            LOG.warnf("aborting failed (%s): replacing the results producer", e.toString());
            Producer<byte[], byte[]> old = producer;
            producer = null;
            close(old);
            producer = started();
        }
    }

    /** Stops the committer thread (after what it runs) and closes the producer. */
    void close() {
        committer.shutdown();
        Producer<byte[], byte[]> p = producer;
        producer = null;
        if (p != null) {
            close(p);
        }
    }

    private Producer<byte[], byte[]> started() throws InterruptedException {
        while (true) {
            Producer<byte[], byte[]> p = producers.get();
            try {
                p.initTransactions();
                return p;
            } catch (KafkaException e) {
                LOG.warnf("the results producer could not start its transactions (%s); trying again in %s", e,
                        retryBackoff);
                listener.failed(e);
                close(p);
                if (closing.getAsBoolean()) {
                    throw new WakeupException();
                }
                Thread.sleep(retryBackoff.toMillis());
            }
        }
    }

    private static void close(Producer<byte[], byte[]> p) {
        try {
            p.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.debugf("closing a results producer: %s", e);
        }
    }
}
