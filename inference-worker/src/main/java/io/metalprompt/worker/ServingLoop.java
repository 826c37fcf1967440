package io.metalprompt.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import io.metalprompt.service.kafka.PollLoop;

/**
 * The worker's consume-serve-commit loop, on one thread, over a plain Kafka consumer and a transactional producer.
 *
 * <p><b>Why not a SmallRye channel:</b> the connector polls on a thread of its own and queues each poll's records as
 * one batch (up to 128 batches), so under load the worker served many small batches one after another while requests
 * waited behind them (ServingBench: mean batch 7.4 requests at 32 clients against 24.6 in-process), and a failed
 * commit is reported as a success without a rewind (SmallRye 4.33.0). Here a poll happens only when the previous batch
 * is committed, so it returns everything that arrived meanwhile (up to {@code max.poll.records}): batches grow with the
 * load by themselves. When the poll finds records already waiting (the worker is behind), one more poll of at most
 * {@code batchWindow} collects what the consumer's in-flight fetch brings; an idle worker (the poll had to wait)
 * serves at once.
 *
 * <p><b>Exactly once:</b> each transaction holds the replies and dead letters of the batches sent into it and, at its
 * commit, their next offsets ({@code sendOffsetsToTransaction} with the consumer's group metadata, so a worker that
 * lost its partitions in a rebalance is fenced). If it fails, it is aborted (or, when the producer cannot abort, the
 * producer is replaced by one with the same {@code transactional.id}, which fences the old one and aborts its open
 * transaction) and the consumer is put back to the first offsets of its batches: they are read and answered again. A
 * batch that cannot be served (the broker does not answer about a reply topic) is read again after a pause. Records
 * whose partition a rebalance takes away between a batch's polls are left to the partition's next owner (see
 * {@link #poll}), and a commit that timed out is committed again, never aborted ({@link ResultsTransactions}): either
 * would otherwise answer a request twice.
 *
 * <p><b>One transaction for many batches:</b> a served batch's records are sent at once into the open transaction
 * (readers of uncommitted replies, like the gateway, have their answers without waiting for a commit), and the
 * transaction commits once it is {@code commitInterval} old (or holds {@value #HELD_BATCHES} polls' worth), busy or
 * idle: a commit costs the broker several requests and log writes whatever it holds, so fewer, larger transactions
 * leave that CPU to serving (ServingBench, docs/benchmarks.md). An idle worker's poll waits no longer than the open
 * transaction's commit is due. A commit runs on a thread of its own while the loop goes on polling and serving; the
 * answers served meanwhile are held, up to {@value #HELD_BATCHES} polls' worth, and sent into the next transaction
 * once the one in flight has committed. If it failed, its batches and the held ones are read again and the held
 * answers are dropped unsent. Before partitions are revoked the open transaction is committed and the one in flight
 * waited for, so their next owner starts from committed offsets. Readers of replies see each transaction whole
 * ({@code read_committed}, up to {@code commitInterval} after the reply was sent) or, like the gateway, take the first
 * reply per correlation id.
 */
public final class ServingLoop extends PollLoop<byte[], byte[]> {

    private static final Logger LOG = Logger.getLogger(ServingLoop.class);
    /** How long a poll waits while answers are held for the transaction after the one in flight. */
    private static final Duration HELD_POLL = Duration.ofMillis(1);
    /** At most this many polls' worth of records ({@code maxBatch} each) are served ahead of a commit. */
    private static final int HELD_BATCHES = 4;

    /** Serves one batch: the records to write for it (a {@link BatchHandler}). */
    public interface Handler {
        List<BatchHandler.Outgoing> handle(List<BatchHandler.Incoming> batch);
    }

    /** What the loop reports to: metrics and health. */
    public interface Listener {
        /** A transaction committed {@code nanos} after its offsets were handed to the producer. */
        void committed(long nanos);

        /** A transaction (or a producer's start) failed with {@code failure}. */
        void failed(Throwable failure);
    }

    private final ResultsTransactions transactions;
    private final String topic;
    private final Handler handler;
    private final RecordTracing tracing;
    private final Listener listener;
    private final Settings settings;
    private final LongSupplier nanoTime;
    /** Most records held for, or written into, one transaction: {@value #HELD_BATCHES} polls' worth. */
    private final int maxAhead;

    /** A transaction the committer thread commits, and its batches' records; {@code outcome}: its failure, or null. */
    private record InFlight(List<ConsumerRecord<byte[], byte[]>> records, Future<KafkaException> outcome) {
    }

    private InFlight inFlight;
    /** Records whose answers were sent into the open transaction (not yet committing), and when the first was. */
    private final List<ConsumerRecord<byte[], byte[]>> written = new ArrayList<>();
    private long writtenSince;
    /** Records served while a transaction was in flight, and their answers: the next transaction's. */
    private final List<ConsumerRecord<byte[], byte[]>> heldRecords = new ArrayList<>();
    private final List<BatchHandler.Outgoing> heldOut = new ArrayList<>();
    /** Partitions revoked or lost since the step's first poll returned (the rebalance listener adds them). */
    private final Set<TopicPartition> revokedSincePoll = new HashSet<>();

    /**
     * @param pollTimeout   longest wait of an idle poll (a close is noticed at once anyway: {@code wakeup})
     * @param batchWindow   longest extra poll when records were already waiting; zero turns it off
     * @param maxBatch      the consumer's {@code max.poll.records}: a full poll needs no extra poll
     * @param retryBackoff  pause before a batch that could not be served or committed is read again
     * @param commitInterval how long a transaction takes more batches before it commits; zero commits every batch
     *                      (and what was held meanwhile) at once
     */
    public record Settings(Duration pollTimeout, Duration batchWindow, int maxBatch, Duration retryBackoff,
                           Duration commitInterval) {
    }

    public ServingLoop(Consumer<byte[], byte[]> consumer, Supplier<Producer<byte[], byte[]>> producers, String topic,
                       Handler handler, RecordTracing tracing, Listener listener, Settings settings,
                       LongSupplier nanoTime) {
        super(consumer);
        this.transactions = new ResultsTransactions(producers, tracing, listener, settings.retryBackoff(), nanoTime,
                this::closing);
        this.topic = topic;
        this.handler = handler;
        this.tracing = tracing;
        this.listener = listener;
        this.settings = settings;
        this.nanoTime = nanoTime;
        this.maxAhead = settings.maxBatch() * HELD_BATCHES;
    }

    /** Whether the loop runs with a producer that has started its transactions. */
    public boolean ready() {
        return !closing() && transactions.ready();
    }

    /** Subscribes and starts the producer's transactions. */
    @Override
    protected void open() throws InterruptedException {
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            // before partitions move, the transaction in flight ends: the next owner starts from committed offsets
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                revokedSincePoll.addAll(partitions);
                settleOnRebalance();
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                revokedSincePoll.addAll(partitions);
                settleOnRebalance();
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            }
        });
        transactions.start();
    }

    /**
     * One poll and, if it brought records, their batch served and sent into the open transaction, or held while a
     * transaction commits; then, once no commit is in flight, what is held is sent, and the open transaction committed
     * once it is {@code commitInterval} old. So a commit (mostly waiting for the broker) never stops serving, and one
     * transaction holds every batch of its interval.
     */
    @Override
    protected void step() throws InterruptedException {
        if (heldRecords.size() < maxAhead) {
            List<ConsumerRecord<byte[], byte[]>> records = poll(pollTimeout());
            if (!records.isEmpty() && !serve(records)) {
                return;
            }
            if (inFlight != null && !inFlight.outcome().isDone()
                    && heldRecords.size() < maxAhead) {
                return;   // keep serving while it commits
            }
        }   // else enough is held: wait for the commit before reading more
        if (!settle(heldRecords)) {
            heldRecords.clear();   // read again, with the failed transaction's batches; their answers are dropped
            heldOut.clear();
            return;
        }
        if (!heldRecords.isEmpty()) {
            write(heldRecords, heldOut);
            heldRecords.clear();
            heldOut.clear();
        }
        if (!written.isEmpty() && (commitDueInNanos() <= 0 || written.size() >= maxAhead)) {
            commitWritten();
        }
    }

    /** A short poll while a commit is in flight or answers are held; else no longer than the open commit is due. */
    private Duration pollTimeout() {
        if (inFlight != null || !heldRecords.isEmpty()) {
            return HELD_POLL;
        }
        if (written.isEmpty()) {
            return settings.pollTimeout();
        }
        long due = Math.max(0, commitDueInNanos());
        return due < settings.pollTimeout().toNanos() ? Duration.ofNanos(due) : settings.pollTimeout();
    }

    /** How long until the open transaction is {@code commitInterval} old. */
    private long commitDueInNanos() {
        return writtenSince + settings.commitInterval().toNanos() - nanoTime.getAsLong();
    }

    /**
     * Waits for the transaction in flight, then sends what is held, commits the open transaction and waits for it:
     * what was served is answered before the loop leaves.
     */
    @Override
    protected void finish() throws InterruptedException {
        if (settle(heldRecords)) {
            write(heldRecords, heldOut);
            if (!written.isEmpty()) {
                commitWritten();
                settle(List.of());
            }
        }
        heldRecords.clear();
        heldOut.clear();
    }

    /**
     * Serves {@code records}: their answers are sent into the open transaction (begun if need be), or held while one
     * commits. False (after a pause) when they must be read again.
     */
    private boolean serve(List<ConsumerRecord<byte[], byte[]>> records) throws InterruptedException {
        List<BatchHandler.Outgoing> out;
        try {
            out = handler.handle(records.stream().map(tracing::received).toList());
        } catch (RuntimeException e) {
            LOG.warnf("a batch of %d request records could not be served (%s); reading it again in %s", records.size(),
                    e, settings.retryBackoff());
            rewind(records);   // answers sent or held from before stay: they precede it on every partition
            Thread.sleep(settings.retryBackoff().toMillis());
            return false;
        }
        if (inFlight == null) {
            write(records, out);
        } else {
            heldOut.addAll(out);
            heldRecords.addAll(records);
        }
        return true;
    }

    /** Sends {@code out}, the answers of {@code records}, into the open transaction. */
    private void write(List<ConsumerRecord<byte[], byte[]>> records, List<BatchHandler.Outgoing> out) {
        if (records.isEmpty()) {
            return;
        }
        if (written.isEmpty()) {
            writtenSince = nanoTime.getAsLong();
        }
        transactions.send(List.copyOf(out));
        written.addAll(records);
    }

    /** Commits the open transaction with the next offsets of everything written into it; it is then in flight. */
    private void commitWritten() {
        inFlight = new InFlight(List.copyOf(written), transactions.commit(nextOffsets(written), consumer.groupMetadata()));
        written.clear();
    }

    /**
     * One poll and, when it found records already waiting, one more of at most {@code batchWindow}. A rebalance during
     * that second poll may take the partitions of records the first one returned: those are dropped unserved. They
     * were neither answered nor committed, so their partition's next owner reads them from the committed offset (or,
     * given back in the same rebalance, this worker does); answering them here too would answer them twice (the group
     * coordinator checks a transactional offset commit's member and generation, not which partitions it owns).
     */
    private List<ConsumerRecord<byte[], byte[]>> poll(Duration timeout) {
        long start = nanoTime.getAsLong();
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
        consumer.poll(timeout).forEach(batch::add);
        boolean waiting = nanoTime.getAsLong() - start < settings.batchWindow().toNanos();
        if (waiting && !batch.isEmpty() && batch.size() < settings.maxBatch()) {
            revokedSincePoll.clear();
            List<ConsumerRecord<byte[], byte[]>> more = new ArrayList<>();
            consumer.poll(settings.batchWindow()).forEach(more::add);
            if (!revokedSincePoll.isEmpty()) {
                int before = batch.size();
                batch.removeIf(r -> revokedSincePoll.contains(new TopicPartition(r.topic(), r.partition())));
                LOG.infof("partitions %s were revoked during a poll: %d of its records left to their next owner",
                        revokedSincePoll, before - batch.size());
            }
            batch.addAll(more);
        }
        return batch;
    }

    /**
     * Waits for the transaction in flight. If it failed, the producer is aborted or replaced and the consumer put back
     * to the first offsets of its batch and of {@code also} (a batch read after it); false then.
     */
    boolean settle(List<ConsumerRecord<byte[], byte[]>> also) throws InterruptedException {
        InFlight f = inFlight;
        inFlight = null;
        if (f == null) {
            return true;
        }
        KafkaException failure;
        try {
            failure = f.outcome().get();
        } catch (ExecutionException e) {
            failure = new KafkaException(e.getCause());
        }
        if (failure == null) {
            return true;
        }
        LOG.warnf("the transaction of a batch of %d request records failed (%s); the batch is read again",
                f.records().size(), failure);
        listener.failed(failure);
        transactions.recover();
        List<ConsumerRecord<byte[], byte[]>> again = new ArrayList<>(f.records());
        again.addAll(also);
        rewind(again);
        return false;
    }

    /**
     * Before partitions move: the open transaction is committed and the one in flight waited for; answers held for a
     * later transaction are dropped (their records are read again from the committed offsets, here or by the
     * partition's next owner). Lost partitions cannot be committed: that commit fails, and its batches are read again.
     */
    private void settleOnRebalance() {
        try {
            if (settle(heldRecords)) {
                rewind(heldRecords);
                if (!written.isEmpty()) {
                    commitWritten();
                    settle(List.of());
                }
            }
            heldRecords.clear();
            heldOut.clear();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Offsets to commit: per partition, the offset after the batch's last record there. */
    static Map<TopicPartition, OffsetAndMetadata> nextOffsets(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            next.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        return next;
    }

    /** Puts every partition of the batch that is still assigned back to the batch's first offset there. */
    private void rewind(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<TopicPartition, Long> first = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            first.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
        }
        first.forEach((tp, offset) -> {
            if (consumer.assignment().contains(tp)) {
                consumer.seek(tp, offset);
            }
        });
    }

    @Override
    protected void closeClients() {
        transactions.close();
        super.closeClients();
    }
}
