package io.metalprompt.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Example;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.events.Topics;
import io.metalprompt.store.TaskStore;
import io.metalprompt.testing.KafkaTest;
import io.metalprompt.testing.TinyModelsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/**
 * Over a real broker: a request with reply headers gets exactly the reply the contract promises, committed in the
 * batch's transaction; poison goes to the DLQ and the next request is still answered.
 */
@QuarkusTest
@QuarkusTestResource(value = TinyModelsTestResource.class, restrictToAnnotatedClass = false,
        initArgs = @ResourceArg(name = "pgm", value = "false"))
class RequestRoundTripTest extends KafkaTest {

    @Inject
    TaskStore store;

    @Override
    protected ConsumerRecord<String, String> first(String topic, Predicate<ConsumerRecord<String, String>> which) {
        // read_committed: a reply is visible only once its batch's transaction (replies and offsets) committed
        return records(topic, which, 1, IsolationLevel.READ_COMMITTED).get(0);
    }

    @Test
    void replyGoesToTheRequestedPartitionWithTheCorrelationId() {
        String taskId = UUID.randomUUID().toString();
        InferenceRequest req = new InferenceRequest(1, UUID.randomUUID().toString(), taskId, "acme", List.of("a dog"), 0);
        ProducerRecord<String, String> record = new ProducerRecord<>(Topics.INFERENCE_REQUESTS, taskId,
                EventCodec.encodeToString(req));
        byte[] correlation = req.requestId().getBytes(StandardCharsets.UTF_8);
        record.headers().add(new RecordHeader(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER, correlation));
        record.headers().add(new RecordHeader(KafkaRequestReply.DEFAULT_REPLY_TOPIC_HEADER,
                Topics.INFERENCE_RESULTS.getBytes(StandardCharsets.UTF_8)));
        record.headers().add(new RecordHeader(KafkaRequestReply.DEFAULT_REPLY_PARTITION_HEADER,
                KafkaRequestReply.replyPartitionToBytes(4)));
        companion.produceStrings().fromRecords(record);

        ConsumerRecord<String, String> reply = first(Topics.INFERENCE_RESULTS, r -> taskId.equals(r.key()));
        assertEquals(4, reply.partition());
        assertNotNull(reply.headers().lastHeader(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER));
        assertArrayEquals(correlation, reply.headers().lastHeader(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER).value());
        InferenceResult result = EventCodec.decode(reply.value(), InferenceResult.class);
        assertEquals(req.requestId(), result.requestId());
        assertEquals(InferenceResult.Status.NOT_FOUND, result.status());
    }

    /** Sends a request with the reply headers and returns the worker's result for it. */
    private InferenceResult roundTrip(String taskId, String tenant) {
        InferenceRequest req = new InferenceRequest(1, UUID.randomUUID().toString(), taskId, tenant, List.of("a dog"), 0);
        ProducerRecord<String, String> record = new ProducerRecord<>(Topics.INFERENCE_REQUESTS, taskId,
                EventCodec.encodeToString(req));
        record.headers().add(new RecordHeader(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER,
                req.requestId().getBytes(StandardCharsets.UTF_8)));
        record.headers().add(new RecordHeader(KafkaRequestReply.DEFAULT_REPLY_TOPIC_HEADER,
                Topics.INFERENCE_RESULTS.getBytes(StandardCharsets.UTF_8)));
        companion.produceStrings().fromRecords(record);
        ConsumerRecord<String, String> reply = first(Topics.INFERENCE_RESULTS,
                r -> taskId.equals(r.key()) && r.value().contains(req.requestId()));
        InferenceResult result = EventCodec.decode(reply.value(), InferenceResult.class);
        assertEquals(req.requestId(), result.requestId());
        return result;
    }

    @Test
    void anotherTenantsTaskIsNotFoundExactlyAsAMissingTask() {
        TaskRegistered task = new TaskRegistered(1, UUID.randomUUID().toString(), "acme",
                List.of(new Example("a dog", "good"), new Example("a cat", "bad")), List.of("good", "bad"),
                PromptDesign.PREFIX, 0, Instant.now());
        store.register(task);   // pending: its own tenant gets NOT_READY, so the task is there
        assertEquals(InferenceResult.Status.NOT_READY, roundTrip(task.taskId(), "acme").status());

        InferenceResult intruder = roundTrip(task.taskId(), "intruder");
        String missingId = UUID.randomUUID().toString();
        InferenceResult missing = roundTrip(missingId, "intruder");
        assertEquals(InferenceResult.Status.NOT_FOUND, intruder.status());
        assertEquals(InferenceResult.Status.NOT_FOUND, missing.status());
        assertEquals(missing.error().replace(missingId, "ID"), intruder.error().replace(task.taskId(), "ID"),
                "nothing in the answer tells another tenant's task from no task");
        assertNull(intruder.pgmVersion());
        assertTrue(intruder.predictions().isEmpty());
    }

    @Test
    void poisonRequestGoesToTheDeadLetterTopicAndTheNextIsAnswered() {
        String key = UUID.randomUUID().toString();
        InferenceRequest next = new InferenceRequest(1, UUID.randomUUID().toString(), key, "acme", List.of("a dog"), 0);
        // same key, same partition: the valid request comes after the poison
        companion.produceStrings().fromRecords(new ProducerRecord<>(Topics.INFERENCE_REQUESTS, key, "not json"),
                new ProducerRecord<>(Topics.INFERENCE_REQUESTS, key, EventCodec.encodeToString(next)));
        ConsumerRecord<String, String> dead = first(Topics.deadLetter(Topics.INFERENCE_REQUESTS), r -> key.equals(r.key()));
        assertEquals("not json", dead.value());
        assertNotNull(dead.headers().lastHeader(DeadLetter.REASON));
        ConsumerRecord<String, String> reply = first(Topics.INFERENCE_RESULTS, r -> key.equals(r.key()));
        assertEquals(next.requestId(), EventCodec.decode(reply.value(), InferenceResult.class).requestId());
    }
}
