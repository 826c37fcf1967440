package io.metalprompt.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/** Records the door refuses, through the batch handler, without a broker, a store or a model (nothing is served). */
class BatchHandlerTest {

    private static final String DLQ = Topics.deadLetter(Topics.INFERENCE_REQUESTS);
    private static final String BROKEN = "metal.broken-metadata";
    private static final String SILENT = "metal.silent-broker";

    private final BatchHandler handler = new BatchHandler(new RequestDoor(new ReplyRouter(
            List.of(Topics.INFERENCE_RESULTS, BROKEN, SILENT), Topics.INFERENCE_RESULTS, new ReplyTopics(topic -> {
                if (topic.equals(BROKEN)) {
                    throw new IllegalStateException("a bug while reading this topic's metadata");
                }
                if (topic.equals(SILENT)) {
                    throw new ReplyTopics.Unavailable("no answer", null);
                }
                return new ReplyTopics.Info(true, 6, true, OptionalInt.empty());
            }, Duration.ofSeconds(30), System::nanoTime), 1_000_000), 64, 2000, Clock.systemUTC()),
            null, new ReplyBudget(1_000_000), new ServingMetrics(new SimpleMeterRegistry()),
            OpenTelemetry.noop().getTracer("test"), DLQ);

    private static BatchHandler.Incoming record(long offset, String value, String replyTopic, String correlation) {
        Headers h = new RecordHeaders();
        h.add(KafkaRequestReply.DEFAULT_REPLY_TOPIC_HEADER, replyTopic.getBytes(StandardCharsets.UTF_8));
        if (correlation != null) {
            h.add(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER, correlation.getBytes(StandardCharsets.UTF_8));
        }
        return new BatchHandler.Incoming(Topics.INFERENCE_REQUESTS, 3, offset, 0,
                UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8), h, Context.root());
    }

    private static String header(BatchHandler.Outgoing o, String name) {
        for (Header h : o.headers()) {
            if (h.key().equals(name)) {
                return new String(h.value(), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    @Test
    void aRecordTheDoorCannotReadFailsAloneAndTheOthersAreHandled() {
        String id = UUID.randomUUID().toString();
        List<BatchHandler.Outgoing> out = handler.handle(List.of(
                record(10, "{}", BROKEN, "a"),
                record(11, "null", Topics.INFERENCE_RESULTS, null),
                record(12, "{\"requestId\":\"" + id + "\"}", Topics.INFERENCE_RESULTS, id)));
        assertEquals(List.of(DLQ, DLQ, Topics.INFERENCE_RESULTS, DLQ), out.stream().map(BatchHandler.Outgoing::topic).toList());
        assertTrue(header(out.get(0), DeadLetter.REASON).startsWith("the worker could not read this record: "
                + "java.lang.IllegalStateException"), header(out.get(0), DeadLetter.REASON));
        assertEquals("10", header(out.get(0), DeadLetter.OFFSET));
        assertTrue(header(out.get(1), DeadLetter.REASON).contains("JSON null"), header(out.get(1), DeadLetter.REASON));

        BatchHandler.Outgoing reply = out.get(2);
        assertNull(reply.partition());
        assertEquals(id, header(reply, KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER));
        InferenceResult invalid = EventCodec.decode(reply.value(), InferenceResult.class);
        assertEquals(InferenceResult.Status.INVALID, invalid.status());
        assertArrayEquals(invalid.taskId().getBytes(StandardCharsets.UTF_8), reply.key(), "keyed by the task id");
        assertEquals(id, header(out.get(3), KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER));
    }

    @Test
    void aBrokerThatDoesNotAnswerFailsTheBatchSoThatItIsTriedAgain() {
        assertThrows(ReplyTopics.Unavailable.class, () -> handler.handle(List.of(record(1, "{}", SILENT, "a"))));
    }
}
