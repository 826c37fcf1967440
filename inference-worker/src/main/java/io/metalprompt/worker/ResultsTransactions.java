package io.metalprompt.worker;

import java.time.Duration;
import java.util.List;
import java.util.Map;
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
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * The serving loop's transactional results producer, run on a committer thread of its own so that the loop serves
 * while the broker answers. A transaction stays open across batches: each served batch's records are {@link #send sent}
 * into it at once (a reader of uncommitted replies, like the gateway, has its answer without waiting for any commit),
 * and {@link #commit} later writes the next offsets of every batch in it and commits. After a failure: an abort, or,
 * when the producer cannot abort (fenced, in an error state), a new producer from the same
 * settings: the same {@code transactional.id}, so its start fences the old one and aborts what it left open. A commit
 * that timed out is not a failure but committed again (it may have completed at the broker). Starting a producer is
 * tried again after a pause until the broker answers.
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
    // The open transaction, as the committer thread writes it (touched on that thread only):
    /** Whether it was begun. */
    private boolean begun;
    /** Its first failure: nothing more is written into it, and its commit reports this. */
    private KafkaException broken;

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

    /** Writes {@code out} (a served batch's replies and dead letters) into the open transaction, begun if need be. */
    void send(List<BatchHandler.Outgoing> out) {
        Producer<byte[], byte[]> p = producer;
        committer.execute(() -> write(() -> {
            begin(p);
            for (BatchHandler.Outgoing o : out) {
                p.send(tracing.toRecord(o));
            }
        }));
    }

    /**
     * Commits the open transaction with {@code offsets} for {@code group} (the next offsets of every batch sent into
     * it). Call it again only after the outcome is known. The outcome: its first failure, or null once committed.
     */
    Future<KafkaException> commit(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        Producer<byte[], byte[]> p = producer;
        return committer.submit(() -> {
            long handed = nanoTime.getAsLong();
            try {
                write(() -> {
                    begin(p);
                    p.sendOffsetsToTransaction(offsets, group);
                    commitRetryingTimeouts(p);
                });
                if (broken == null) {
                    listener.committed(nanoTime.getAsLong() - handed);
                }
                return broken;
            } finally {
                ended();
            }
        });
    }

    /**
     * Commits, trying again while the commit times out. A commit that timed out may still complete at the broker, so
     * only the same commit may follow (KafkaProducer#commitTransaction): an abort fails, and a replacement producer
     * would find the transaction committed while the loop reads its batches again and answers them twice. A close
     * stops the retries (nothing is read again then).
     */
    private void commitRetryingTimeouts(Producer<byte[], byte[]> p) {
        while (true) {
            try {
                p.commitTransaction();
                return;
            } catch (TimeoutException e) {
                if (closing.getAsBoolean()) {
                    throw e;
                }
                LOG.warnf("committing the results transaction timed out (%s); committing it again", e.toString());
                listener.failed(e);
            }
        }
    }

    /**
     * Runs one write into the open transaction unless it already failed; a failure is kept as its outcome. Any
     * failure: a send runs without a caller to hear it, and a send lost while its transaction commits is a lost reply.
     */
    private void write(Runnable step) {
        if (broken != null) {
            return;
        }
        try {
            step.run();
        } catch (RuntimeException e) {
            broken = e instanceof KafkaException k ? k : new KafkaException(e);
        }
    }

    private void begin(Producer<byte[], byte[]> p) {
        if (!begun) {
            p.beginTransaction();
            begun = true;
        }
    }

    /** The transaction is over (committed, failed or abandoned): the next write begins another. */
    private void ended() {
        begun = false;
        broken = null;
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
