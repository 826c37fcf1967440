package io.metalprompt.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;
import io.smallrye.reactive.messaging.kafka.transactions.TransactionalEmitter;

/**
 * {@link ResultsTransactions} driven through SmallRye's transaction API without a broker: each transaction it starts
 * is held open by the test, which then commits or fails it. (The written records reaching a real broker exactly once
 * is {@code RequestRoundTripTest}'s and the end-to-end fault tests' part.)
 */
class ResultsTransactionsTest {

    private static final String TOPIC = "metal.inference-requests";

    /** One transaction the pipeline started: the offsets it commits, what it sent, and its outcome to decide. */
    private record Started(IncomingKafkaRecordBatchMetadata<?, ?> offsets, List<String> sent,
                           CompletableFuture<Void> outcome) {
    }

    private final BlockingQueue<Started> started = new LinkedBlockingQueue<>();
    private KafkaConsumer<Object, Object> consumer;
    private ResultsProducerHealth health;
    private ResultsTransactions transactions;

    @BeforeEach
    @SuppressWarnings("unchecked")
    void setUp() {
        KafkaTransactions<byte[]> results = mock(KafkaTransactions.class);
        when(results.withTransaction(any(Message.class), any(Function.class))).thenAnswer(call -> {
            Message<?> message = call.getArgument(0);
            Function<TransactionalEmitter<byte[]>, Uni<Void>> work = call.getArgument(1);
            List<String> sent = new ArrayList<>();
            TransactionalEmitter<byte[]> tx = mock(TransactionalEmitter.class);
            doAnswer(send -> {
                sent.add(new String(((Message<byte[]>) send.getArgument(0)).getPayload(), StandardCharsets.UTF_8));
                return null;
            }).when(tx).send(any(Message.class));
            work.apply(tx).await().indefinitely();
            CompletableFuture<Void> outcome = new CompletableFuture<>();
            started.add(new Started(message.getMetadata(IncomingKafkaRecordBatchMetadata.class).orElseThrow(), sent,
                    outcome));
            return Uni.createFrom().completionStage(outcome);
        });
        consumer = mock(KafkaConsumer.class);
        when(consumer.resetToLastCommittedPositions()).thenReturn(Uni.createFrom().voidItem());
        health = mock(ResultsProducerHealth.class);
        KafkaClientService kafka = mock(KafkaClientService.class);
        when(kafka.getConsumer("inference-requests")).thenReturn((KafkaConsumer) consumer);
        transactions = new ResultsTransactions(results, kafka, "inference-requests", 2,
                new ServingMetrics(new SimpleMeterRegistry()), health);
    }

    @AfterEach
    void tearDown() {
        transactions.close();
    }

    @Test
    void batchesServedDuringACommitGoOutTogetherWithEachPartitionsHighestOffset() throws Exception {
        transactions.write(batch(3, Map.of(0, 10L)), out("a")).await().indefinitely();
        Started first = next();
        transactions.write(batch(3, Map.of(0, 11L, 1, 5L)), out("b")).await().indefinitely();
        transactions.write(batch(2, Map.of(0, 14L)), out("c", "d")).await().indefinitely();
        assertNull(started.poll(200, TimeUnit.MILLISECONDS), "nothing starts while a transaction commits");

        first.outcome().complete(null);
        Started second = next();
        assertEquals(List.of("b", "c", "d"), second.sent(), "both waiting batches, in the order they were served");
        assertEquals(Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(14L), new TopicPartition(TOPIC, 1),
                new OffsetAndMetadata(5L)), second.offsets().getOffsets());
        assertEquals(2, second.offsets().getConsumerGroupGenerationId(),
                "the oldest generation, so that a rebalance since any of the batches fails the transaction");
        second.outcome().complete(null);
        assertNull(started.poll(200, TimeUnit.MILLISECONDS), "nothing left to write");
        verify(consumer, never()).resetToLastCommittedPositions();
    }

    @Test
    void aFailedTransactionDropsWhatWaitsAndTheNextBatchRewindsTheConsumerInstead() throws Exception {
        transactions.write(batch(1, Map.of(0, 10L)), out("a")).await().indefinitely();
        Started first = next();
        transactions.write(batch(1, Map.of(0, 11L)), out("b")).await().indefinitely();

        first.outcome().completeExceptionally(new IllegalStateException("the broker went away"));
        verify(health, timeout(5000)).failed(any());   // the failure is known (reported last)
        // the batch read next may have been read before SmallRye's rewind: it is dropped, and the consumer rewound again
        transactions.write(batch(1, Map.of(0, 12L)), out("c")).await().indefinitely();
        verify(consumer).resetToLastCommittedPositions();
        assertNull(started.poll(200, TimeUnit.MILLISECONDS), "neither the waiting batch nor the next one is written");

        // what is read after the rewind is written as usual
        transactions.write(batch(1, Map.of(0, 10L)), out("a")).await().indefinitely();
        assertEquals(List.of("a"), next().sent());
    }

    @Test
    void theConsumerWaitsWhenTooManyBatchesWaitForTheCommit() throws Exception {
        transactions.write(batch(1, Map.of(0, 1L)), out("a")).await().indefinitely();
        Started first = next();
        transactions.write(batch(1, Map.of(0, 2L)), out("b")).await().indefinitely();
        transactions.write(batch(1, Map.of(0, 3L)), out("c")).await().indefinitely();   // two wait: the most allowed
        CompletableFuture<Void> third = CompletableFuture.runAsync(() -> {
            try {
                transactions.write(batch(1, Map.of(0, 4L)), out("d")).await().indefinitely();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertTrue(!third.isDone(), "a third waiting batch waits for the commit");
        first.outcome().complete(null);
        third.get(5, TimeUnit.SECONDS);
        assertEquals(List.of("b", "c"), next().sent());
    }

    private Started next() throws InterruptedException {
        Started s = started.poll(5, TimeUnit.SECONDS);
        assertTrue(s != null, "a transaction was started");
        return s;
    }

    /** A served batch whose last consumed offset of partition p is {@code last.get(p)}. */
    @SuppressWarnings("unchecked")
    private static KafkaRecordBatch<byte[], byte[]> batch(int generation, Map<Integer, Long> last) {
        KafkaRecordBatch<byte[], byte[]> batch = mock(KafkaRecordBatch.class);
        Map<TopicPartition, OffsetAndMetadata> offsets = new java.util.HashMap<>();
        last.forEach((p, o) -> offsets.put(new TopicPartition(TOPIC, p), new OffsetAndMetadata(o)));
        IncomingKafkaRecordBatchMetadata<byte[], byte[]> metadata = new IncomingKafkaRecordBatchMetadata<>(
                ConsumerRecords.empty(), "inference-requests", -1, offsets, generation);
        when(batch.getMetadata(IncomingKafkaRecordBatchMetadata.class)).thenReturn(Optional.of(metadata));
        return batch;
    }

    private static List<BatchHandler.Outgoing> out(String... values) {
        List<BatchHandler.Outgoing> out = new ArrayList<>();
        for (String v : values) {
            out.add(new BatchHandler.Outgoing("metal.inference-results", null, null, v.getBytes(StandardCharsets.UTF_8),
                    List.of(), Context.root()));
        }
        return out;
    }
}
