package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.eclipse.microprofile.health.Readiness;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Events;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.InvalidRecordException;
import io.metalprompt.events.Topics;
import io.metalprompt.testing.KafkaRedisTestResource;
import io.metalprompt.testing.KafkaTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/**
 * A poison reply on {@code metal.inference-results}: the instance waiting for it sends it to the dead-letter topic,
 * its request fails with the reason, and the reply consumer goes on (the next request gets its valid reply).
 */
@QuarkusTest
@QuarkusTestResource(KafkaRedisTestResource.class)
class ReplyDeadLetterTest extends KafkaTest {

    @Inject
    KafkaInferenceClient client;

    @Inject
    @Readiness   // a health check's qualifier
    ReplyConsumerService replies;

    private KafkaProducer<String, String> producer;

    @BeforeEach
    void connect() {
        ResultsConsumer.awaitAssignment(replies, Duration.ofSeconds(60));
        producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", companion.getBootstrapServers()),
                new StringSerializer(), new StringSerializer());
    }

    @AfterEach
    void close() {
        producer.close();
    }

    /** Sends the request from another thread (the client blocks until the result) and completes with its result. */
    private CompletableFuture<InferenceResult> sent(InferenceRequest request) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return client.request(request, Duration.ofSeconds(30));
            } catch (java.util.concurrent.TimeoutException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    private void reply(String taskId, String requestId, String body) throws Exception {
        ProducerRecord<String, String> reply = new ProducerRecord<>(Topics.INFERENCE_RESULTS, taskId, body);
        reply.headers().add(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER,
                requestId.getBytes(StandardCharsets.UTF_8));
        producer.send(reply).get(30, TimeUnit.SECONDS);
    }

    /**
     * Replies until the request completes: the request's pending-reply entry exists only once the broker acknowledged
     * the request, and a reply that comes earlier is ignored.
     */
    private void replyUntilDone(CompletableFuture<?> request, String taskId, String requestId, String body)
            throws Exception {
        first(Topics.INFERENCE_REQUESTS, withKey(taskId));
        for (int i = 0; i < 10 && !request.isDone(); i++) {
            reply(taskId, requestId, body);
            try {
                request.get(1, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException | ExecutionException e) {
                // not yet, or failed: checked by the caller
            }
        }
    }

    @Test
    void aPoisonReplyGoesToTheDeadLetterTopicAndTheNextReplyIsDelivered() throws Exception {
        String taskId = "dlq-" + UUID.randomUUID();
        InferenceRequest poisoned = new InferenceRequest(Events.SCHEMA_VERSION, UUID.randomUUID().toString(), taskId,
                "acme", List.of("fine"), 0);
        CompletableFuture<InferenceResult> first = sent(poisoned);
        replyUntilDone(first, taskId, poisoned.requestId(), "{\"requestId\": 42, \"status\": \"MAYBE\"");

        ExecutionException failure = assertThrows(ExecutionException.class, () -> first.get(30, TimeUnit.SECONDS));
        assertInstanceOf(InvalidRecordException.class, failure.getCause());
        ConsumerRecord<String, String> dead = first(Topics.deadLetter(Topics.INFERENCE_RESULTS), withKey(taskId));
        assertEquals("{\"requestId\": 42, \"status\": \"MAYBE\"", dead.value());
        assertNotNull(dead.headers().lastHeader(KafkaInferenceClient.DLQ_REASON_HEADER));
        assertTrue(new String(dead.headers().lastHeader(KafkaInferenceClient.DLQ_REASON_HEADER).value(),
                StandardCharsets.UTF_8).contains("InferenceResult"));
        assertEquals(poisoned.requestId(), new String(dead.headers()
                .lastHeader(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER).value(), StandardCharsets.UTF_8));

        String nextTask = "dlq-next-" + UUID.randomUUID();
        InferenceRequest next = new InferenceRequest(Events.SCHEMA_VERSION, UUID.randomUUID().toString(), nextTask,
                "acme", List.of("fine"), 0);
        CompletableFuture<InferenceResult> second = sent(next);
        replyUntilDone(second, nextTask, next.requestId(), EventCodec.encodeToString(new InferenceResult(
                Events.SCHEMA_VERSION, next.requestId(), nextTask, InferenceResult.Status.NOT_FOUND, List.of(),
                "no such task", null, 0L)));
        assertEquals(InferenceResult.Status.NOT_FOUND, second.get(30, TimeUnit.SECONDS).status());
    }
}
