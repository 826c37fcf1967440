package io.metalprompt.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.metalprompt.events.Topics;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;

/**
 * The serving loop over Kafka's mock clients: what one batch commits, what a failure rewinds, when a batch collects
 * records still arriving. Each reply here is the request's value with "re:" in front, on the results topic.
 */
class ServingLoopTest {

    private static final String TOPIC = Topics.INFERENCE_REQUESTS;
    private static final String GROUP = "metal-inference-worker";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final Duration WINDOW = Duration.ofMillis(2);
    private static final Duration INTERVAL = Duration.ofMillis(50);

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
        @Override
        public synchronized org.apache.kafka.clients.consumer.ConsumerGroupMetadata groupMetadata() {
            return new org.apache.kafka.clients.consumer.ConsumerGroupMetadata(GROUP);
        }
    };
    private final List<MockProducer<byte[], byte[]>> producers = new ArrayList<>();
    private final List<List<String>> batches = new ArrayList<>();
    private final List<Throwable> failures = new ArrayList<>();
    private final AtomicLong clock = new AtomicLong();
    private RuntimeException serveFailure;
    private volatile CountDownLatch commitGate;
    private final CountDownLatch commitStarted = new CountDownLatch(1);
    /** How many commits still time out (before reaching the mock's commit). */
    private final AtomicInteger commitTimeouts = new AtomicInteger();
    private ServingLoop loop;

    @BeforeEach
    void open() throws InterruptedException {
        ServingLoop.Listener listener = new ServingLoop.Listener() {
            @Override
            public void committed(long nanos) {
            }

            @Override
            public void failed(Throwable failure) {
                failures.add(failure);
            }
        };
        loop = new ServingLoop(consumer, () -> {
            MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(),
                    new ByteArraySerializer()) {
                @Override
                public void commitTransaction() {
                    if (commitTimeouts.getAndDecrement() > 0) {
                        throw new TimeoutException("Timeout expired after 60000ms while awaiting EndTxn(COMMIT)");
                    }
                    CountDownLatch gate = commitGate;
                    if (gate != null) {   // the test holds this commit until it opens the gate
                        commitStarted.countDown();
                        try {
                            gate.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    super.commitTransaction();
                }
            };
            producers.add(p);
            return p;
        }, TOPIC, this::serve, new RecordTracing(OpenTelemetry.noop().getTracer("test"),
                W3CTraceContextPropagator.getInstance()), listener,
                new ServingLoop.Settings(Duration.ofMillis(10), WINDOW, 64, Duration.ZERO, INTERVAL), clock::get);
        loop.open();
        consumer.rebalance(List.of(P0, P1));
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        consumer.seekToBeginning(List.of(P0, P1));
    }

    private List<BatchHandler.Outgoing> serve(List<BatchHandler.Incoming> batch) {
        batches.add(batch.stream().map(in -> new String(in.value(), StandardCharsets.UTF_8)).toList());
        if (serveFailure != null) {
            throw serveFailure;
        }
        return batch.stream().map(in -> new BatchHandler.Outgoing(Topics.INFERENCE_RESULTS, null, in.key(),
                ("re:" + new String(in.value(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8), List.of(),
                in.trace())).toList();
    }

    private void add(TopicPartition tp, long offset, String value) {
        consumer.addRecord(new ConsumerRecord<>(tp.topic(), tp.partition(), offset, "k".getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8)));
    }

    /** One step of the loop, then its transactions waited for. */
    private void step() throws InterruptedException {
        loop.step();
        loop.finish();
    }

    private MockProducer<byte[], byte[]> producer() {
        return producers.get(producers.size() - 1);
    }

    private List<String> replies() {
        List<String> out = new ArrayList<>();
        for (MockProducer<byte[], byte[]> p : producers) {
            for (ProducerRecord<byte[], byte[]> r : p.history()) {
                out.add(new String(r.value(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private List<Map<TopicPartition, OffsetAndMetadata>> committedOffsets() {
        List<Map<TopicPartition, OffsetAndMetadata>> out = new ArrayList<>();
        producers.forEach(p -> p.consumerGroupOffsetsHistory().forEach(byGroup -> out.add(byGroup.get(GROUP))));
        return out;
    }

    @Test
    void aBatchsRepliesAndItsNextOffsetsAreCommittedInOneTransaction() throws InterruptedException {
        add(P0, 0, "a");
        add(P0, 1, "b");
        add(P1, 0, "c");
        step();
        assertEquals(List.of(List.of("a", "b", "c")), batches.stream().map(b -> b.stream().sorted().toList()).toList());
        assertTrue(producer().transactionCommitted());
        assertEquals(List.of("re:a", "re:b", "re:c"), replies().stream().sorted().toList());
        assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(2), P1, new OffsetAndMetadata(1))), committedOffsets());
    }

    @Test
    void aFailedCommitIsAbortedAndTheConsumerGoesBackToTheBatchsFirstOffsets() throws InterruptedException {
        add(P0, 5, "a");
        add(P0, 6, "b");
        producer().commitTransactionException = new KafkaException("the coordinator moved");
        step();
        assertTrue(producer().transactionAborted());
        assertEquals(List.of(), replies(), "nothing of an aborted transaction is visible");
        assertEquals(List.of(), committedOffsets());
        assertEquals(5, consumer.position(P0), "the batch is read again");
        assertEquals(1, failures.size());

        producer().commitTransactionException = null;
        add(P0, 5, "a");   // what the broker returns again from offset 5 (the mock forgets polled records)
        add(P0, 6, "b");
        step();
        assertEquals(List.of("re:a", "re:b"), replies());
        assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(7))), committedOffsets());
        assertEquals(1, producers.size(), "an abortable failure keeps the producer");
    }

    @Test
    void aProducerThatCannotAbortIsReplacedAndTheBatchAnsweredByTheNewOne() throws InterruptedException {
        add(P1, 0, "a");
        producer().commitTransactionException = new ProducerFencedException("fenced");
        producer().abortTransactionException = new ProducerFencedException("fenced");
        step();
        assertEquals(2, producers.size(), "a new producer with the same transactional id");
        assertTrue(producers.get(0).closed());
        assertTrue(producer().transactionInitialized());
        assertEquals(0, consumer.position(P1));

        add(P1, 0, "a");
        step();
        assertEquals(List.of("re:a"), replies());
        assertEquals(List.of(Map.of(P1, new OffsetAndMetadata(1))), committedOffsets());
    }

    /** Opens the commit gate {@code millis} from now, from another thread. */
    private void openGateIn(long millis) {
        CountDownLatch gate = commitGate;
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return;
            }
            gate.countDown();
        });
        t.setDaemon(true);
        t.start();
    }

    @Test
    void batchesServedWhileATransactionCommitsAreCommittedTogetherInTheNext() throws InterruptedException {
        commitGate = new CountDownLatch(1);
        add(P0, 0, "a");
        loop.step();   // [a] served and sent into the open transaction
        clock.addAndGet(INTERVAL.toNanos());
        loop.step();   // the transaction is due: it commits
        commitStarted.await();   // [a] is committing
        add(P0, 1, "b");
        loop.step();
        add(P0, 2, "c");
        add(P1, 0, "d");
        loop.step();
        assertEquals(List.of(List.of("a"), List.of("b"), List.of("c", "d")),
                batches.stream().map(b -> b.stream().sorted().toList()).toList(), "served while [a] committed");
        assertEquals(List.of(), replies(), "nothing is sent while a transaction commits");
        commitGate.countDown();
        loop.finish();
        assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(1)),
                Map.of(P0, new OffsetAndMetadata(3), P1, new OffsetAndMetadata(1))), committedOffsets(),
                "[b] and [c, d] in one transaction after [a]'s");
        assertEquals(List.of("re:a", "re:b", "re:c", "re:d"), replies().stream().sorted().toList());
    }

    @Test
    void theBatchesOfOneIntervalAreSentAtOnceAndCommittedInOneTransaction() throws InterruptedException {
        add(P0, 0, "a");
        loop.step();
        add(P0, 1, "b");
        add(P1, 0, "c");
        loop.step();
        assertTrue(within(Duration.ofSeconds(5), () -> producer().uncommittedRecords().size() == 3),
                "every answer is sent as soon as its batch is served");
        assertFalse(producer().transactionCommitted(), "not the interval old: the transaction stays open");
        clock.addAndGet(INTERVAL.toNanos());
        loop.step();
        assertTrue(within(Duration.ofSeconds(5), () -> producer().transactionCommitted()));
        loop.finish();
        assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(2), P1, new OffsetAndMetadata(1))), committedOffsets(),
                "[a] and [b, c] in one transaction");
        assertEquals(List.of("re:a", "re:b", "re:c"), replies().stream().sorted().toList());
    }

    @Test
    void aTransactionCommitsOnceItIsTheIntervalOldWhileRequestsKeepComing() throws InterruptedException {
        add(P0, 0, "a");
        loop.step();
        clock.addAndGet(INTERVAL.toNanos());
        add(P0, 1, "b");
        loop.step();
        assertTrue(within(Duration.ofSeconds(5), () -> producer().transactionCommitted()),
                "the open transaction is the interval old: it commits with [b] in it");
        add(P0, 2, "c");
        loop.step();
        loop.finish();
        assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(2)), Map.of(P0, new OffsetAndMetadata(3))),
                committedOffsets());
    }

    @Test
    void anOpenTransactionIsCommittedBeforeItsPartitionsAreGivenUp() throws InterruptedException {
        add(P0, 0, "a");
        loop.step();   // [a] sent into the open transaction
        consumer.rebalance(List.of(P1));   // P0 revoked
        assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(1))), committedOffsets());
        assertEquals(List.of("re:a"), replies());
    }

    @Test
    void ifTheTransactionInFlightFailsTheBatchesServedMeanwhileAreReadAgainToo() throws InterruptedException {
        commitGate = new CountDownLatch(1);
        add(P0, 0, "a");
        loop.step();   // [a] served and sent into the open transaction
        clock.addAndGet(INTERVAL.toNanos());
        loop.step();   // the transaction is due: it commits
        commitStarted.await();
        add(P0, 1, "b");
        producer().commitTransactionException = new KafkaException("the broker restarted");
        loop.step();   // serves [b] while [a] commits
        commitGate.countDown();
        loop.finish();   // [a]'s transaction failed
        assertEquals(List.of(List.of("a"), List.of("b")), batches);
        assertEquals(List.of(), replies(), "neither batch's answers are visible: [a] aborted, [b] never sent");
        assertEquals(0, consumer.position(P0), "both batches are read again");
        assertEquals(1, failures.size());
    }

    @Test
    void partitionsAreGivenUpOnlyOnceTheTransactionInFlightHasCommitted() throws InterruptedException {
        commitGate = new CountDownLatch(1);
        add(P0, 0, "a");
        loop.step();   // [a] served and sent into the open transaction
        clock.addAndGet(INTERVAL.toNanos());
        loop.step();   // the transaction is due: it commits
        commitStarted.await();
        add(P0, 1, "b");
        loop.step();   // [b] served and held
        openGateIn(100);
        consumer.rebalance(List.of(P1));   // P0 revoked: [a]'s offsets are committed before it moves
        assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(1))), committedOffsets());
        loop.finish();
        assertEquals(List.of("re:a"), replies(), "[b]'s held answer is dropped: P0's next owner answers it");
        assertEquals(1, committedOffsets().size());
    }

    @Test
    void aBatchThatCannotBeServedIsReadAgainAndNothingOfItIsWritten() throws InterruptedException {
        add(P0, 3, "a");
        serveFailure = new ReplyTopics.Unavailable("the broker does not answer", null);
        step();
        assertFalse(producer().transactionInFlight(), "no transaction was begun for it");
        assertEquals(List.of(), replies());
        assertEquals(List.of(), committedOffsets());
        assertEquals(3, consumer.position(P0));
    }

    @Test
    void anIdleWorkersTransactionStaysOpenUntilItIsTheIntervalOld() throws InterruptedException {
        add(P0, 0, "a");
        loop.step();
        loop.step();   // nothing more arrives
        assertTrue(within(Duration.ofSeconds(5), () -> producer().uncommittedRecords().size() == 1),
                "the answer is sent at once");
        assertFalse(producer().transactionCommitted());
        clock.addAndGet(INTERVAL.toNanos());
        loop.step();
        assertTrue(within(Duration.ofSeconds(5), () -> producer().transactionCommitted()));
        assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(1))), committedOffsets());
    }

    @Test
    void offsetsThatCannotBeSentAbortTheTransactionAndTheBatchIsReadAgain() throws InterruptedException {
        add(P0, 4, "a");
        producer().sendOffsetsToTransactionException = new KafkaException("the group coordinator is loading");
        step();
        assertTrue(producer().transactionAborted());
        assertEquals(List.of(), replies(), "the answers sent into it are aborted with it");
        assertEquals(4, consumer.position(P0));
        assertEquals(1, failures.size());

        producer().sendOffsetsToTransactionException = null;
        add(P0, 4, "a");
        step();
        assertEquals(List.of("re:a"), replies());
        assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(5))), committedOffsets());
    }

    @Test
    void aSendThatFailsFailsItsTransactionAndTheBatchIsReadAgain() throws InterruptedException {
        add(P0, 2, "a");
        producer().sendException = new IllegalStateException("Cannot call send in state ABORTABLE_ERROR");
        step();
        assertTrue(producer().transactionAborted(), "not committed without its reply");
        assertEquals(List.of(), committedOffsets());
        assertEquals(2, consumer.position(P0), "the batch is read again");
        assertEquals(1, failures.size());
    }

    /** Whether {@code condition} holds within {@code limit} (polled every millisecond). */
    private static boolean within(Duration limit, java.util.function.BooleanSupplier condition) {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Test
    void recordsAlreadyWaitingAreJoinedByWhatTheNextFetchBrings() throws InterruptedException {
        add(P0, 0, "a");
        add(P0, 1, "b");
        // the first poll returns at once (the clock does not move): the worker is behind, so one more short poll
        consumer.schedulePollTask(() -> { });
        consumer.schedulePollTask(() -> add(P1, 0, "c"));
        step();
        assertEquals(List.of(List.of("a", "b", "c")), batches);
        assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(2), P1, new OffsetAndMetadata(1))), committedOffsets());
    }

    @Test
    void anIdleWorkerServesWhatItsPollWaitedForAtOnce() throws InterruptedException {
        // the poll had to wait longer than the window for its record: nothing else is coming, no extra poll
        consumer.schedulePollTask(() -> {
            clock.addAndGet(WINDOW.toNanos() * 5);
            add(P0, 0, "a");
        });
        consumer.schedulePollTask(() -> add(P0, 1, "b"));
        step();
        step();
        assertEquals(List.of(List.of("a"), List.of("b")), batches);
    }

    @Test
    void recordsOfAPartitionRevokedDuringTheExtraPollAreLeftToItsNextOwner() throws InterruptedException {
        add(P0, 0, "a");
        add(P1, 0, "b");
        consumer.schedulePollTask(() -> { });   // [a, b] at once: the worker is behind, one more short poll
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(P1));   // P0 moves to another worker during that poll
            add(P1, 1, "c");
        });
        step();
        assertEquals(List.of(List.of("b", "c")), batches, "[a] is not answered here: P0's next owner reads it");
        assertEquals(List.of("re:b", "re:c"), replies());
        assertEquals(List.of(Map.of(P1, new OffsetAndMetadata(2))), committedOffsets());
    }

    @Test
    void recordsOfPartitionsGivenBackInTheSameRebalanceAreAnsweredOnce() throws InterruptedException {
        add(P0, 0, "a");
        add(P1, 0, "b");
        consumer.schedulePollTask(() -> { });
        consumer.schedulePollTask(() -> {
            // an eager rebalance: everything revoked, then assigned again from the committed offsets (none: the start)
            consumer.rebalance(List.of());
            consumer.rebalance(List.of(P0, P1));
            add(P0, 0, "a");
            add(P1, 0, "b");
        });
        step();
        assertEquals(1, batches.size());
        assertEquals(List.of("a", "b"), batches.get(0).stream().sorted().toList(), "read twice, served once");
        assertEquals(List.of("re:a", "re:b"), replies().stream().sorted().toList());
        assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(1), P1, new OffsetAndMetadata(1))), committedOffsets());
    }

    @Test
    void aCommitThatTimedOutIsCommittedAgainAndItsBatchNotReadAgain() throws InterruptedException {
        add(P0, 0, "a");
        commitTimeouts.set(1);   // it may still complete at the broker: an abort, or a new producer, may find it done
        step();
        assertEquals(List.of(List.of("a")), batches);
        assertEquals(List.of("re:a"), replies());
        assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(1))), committedOffsets());
        assertEquals(1, consumer.position(P0), "not read again");
        assertEquals(1, producers.size(), "the same producer");
        assertEquals(1, failures.size(), "the timeout is reported");
    }
}
