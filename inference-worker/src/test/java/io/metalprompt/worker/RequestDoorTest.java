package io.metalprompt.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Topics;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/** What the worker's Kafka door makes of records, without a broker. */
class RequestDoorTest {

    private final RequestDoor door = new RequestDoor(new ReplyRouter(List.of(Topics.INFERENCE_RESULTS),
            Topics.INFERENCE_RESULTS, new ReplyTopics(topic -> new ReplyTopics.Info(true, 6, true, OptionalInt.empty()),
            Duration.ofSeconds(30), System::nanoTime), 1_000_000), 4, 20,
            Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC));
    private final String taskId = UUID.randomUUID().toString();
    private final String requestId = UUID.randomUUID().toString();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Headers replyHeaders(String topic) {
        Headers h = new RecordHeaders();
        h.add(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER, utf8(requestId));
        h.add(KafkaRequestReply.DEFAULT_REPLY_TOPIC_HEADER, utf8(topic));
        return h;
    }

    private RequestDoor.Admission admit(Object body, String topic) {
        byte[] value = body instanceof String s ? utf8(s) : body == null ? null : EventCodec.encode(body);
        return door.admit(utf8(taskId), value, replyHeaders(topic));
    }

    private RequestDoor.Refused refused(Object body) {
        return assertInstanceOf(RequestDoor.Refused.class, admit(body, Topics.INFERENCE_RESULTS));
    }

    private InferenceRequest request(String task, String... inputs) {
        return new InferenceRequest(1, requestId, task, "acme", List.of(inputs), 0);
    }

    @Test
    void aWellFormedRequestIsAdmittedWithItsRoute() {
        RequestDoor.Admitted a = assertInstanceOf(RequestDoor.Admitted.class,
                admit(request(taskId, "a dog"), Topics.INFERENCE_RESULTS));
        assertEquals(requestId, a.request().requestId());
        assertEquals(Topics.INFERENCE_RESULTS, a.route().topic());
        assertArrayEquals(utf8(requestId), a.route().correlationId());
    }

    @Test
    void aRequestWithoutAReplyRouteIsDeadLetteredAndNotAnswered() {
        RequestDoor.Refused r = assertInstanceOf(RequestDoor.Refused.class,
                admit(request(taskId, "a dog"), "metal.does-not-exist"));
        assertNull(r.answer());
        assertNull(r.route());
        assertTrue(r.deadLetterReason().startsWith("no reply can be written: reply topic 'metal.does-not-exist'"),
                r.deadLetterReason());
    }

    @Test
    void anUndecodableRecordWhoseIdsAreReadableIsAnsweredInvalidAndDeadLettered() {
        for (String body : List.of(
                "{\"schemaVersion\":2,\"requestId\":\"" + requestId + "\",\"taskId\":\"" + taskId + "\",\"tenant\":\"a\","
                        + "\"inputs\":[\"x\"],\"deadlineEpochMillis\":0}",
                "{\"schemaVersion\":1,\"requestId\":\"" + requestId + "\",\"taskId\":\"" + taskId + "\"}",
                "{\"requestId\":\"" + requestId + "\",\"inputs\":[]}",
                "not json at all")) {
            RequestDoor.Refused r = refused(body);
            assertNotNull(r.deadLetterReason(), body);
            assertNotNull(r.answer(), "the requester hears back: " + body);
            assertEquals(InferenceResult.Status.INVALID, r.answer().status());
            assertEquals(requestId, r.answer().requestId(), "from the body, else the correlation header");
            assertEquals(taskId, r.answer().taskId(), "from the body, else the key");
            assertTrue(r.answer().error().startsWith("not a valid inference request: "), r.answer().error());
        }
        String v7 = "{\"schemaVersion\":7,\"requestId\":\"" + requestId + "\",\"taskId\":\"" + taskId
                + "\",\"tenant\":\"a\",\"inputs\":[\"x\"],\"deadlineEpochMillis\":0}";
        assertTrue(refused(v7).answer().error().contains("unsupported schemaVersion 7"), refused(v7).answer().error());
    }

    @Test
    void anUndecodableRecordWithNoReadableRequestIdIsOnlyDeadLettered() {
        RequestDoor.Refused r = assertInstanceOf(RequestDoor.Refused.class,
                door.admit(null, utf8("garbage"), new RecordHeaders()));
        assertNull(r.answer());
        assertNotNull(r.deadLetterReason());
    }

    @Test
    void aTaskIdNotOfTheIssuedFormatIsInvalidAndNeverLookedUp() {
        for (String bad : List.of(taskId + ":registration", "dev_000", taskId.toUpperCase(), "*", " " + taskId)) {
            RequestDoor.Refused r = refused(request(bad, "a dog"));
            assertEquals(InferenceResult.Status.INVALID, r.answer().status(), bad);
            assertTrue(r.answer().error().contains("is not a task id: it must be a lower-case UUID"), r.answer().error());
            assertNull(r.deadLetterReason(), "a well-formed request with a bad value is answered, not dead-lettered");
        }
    }

    @Test
    void tooManyInputsOrAnEmptyInputAreInvalid() {
        assertTrue(refused(request(taskId, "a", "b", "c", "d", "e")).answer().error()
                .contains("5 inputs, more than the 4"));
        // white space Java's isBlank does not count: no-break spaces, zero-width space
        for (String empty : List.of("\u00a0\u00a0", "\u200b", "\u2007\u202f", " \u00a0\u2060 ")) {
            RequestDoor.Refused r = refused(request(taskId, "fine", empty));
            assertEquals(InferenceResult.Status.INVALID, r.answer().status());
            assertTrue(r.answer().error().contains("input 1 is empty"), r.answer().error());
        }
    }

    @Test
    void anInputLongerThanTheCharacterLimitIsInvalidBeforeItIsTokenized() {
        assertInstanceOf(RequestDoor.Admitted.class, admit(request(taskId, "x".repeat(20)), Topics.INFERENCE_RESULTS));
        RequestDoor.Refused r = refused(request(taskId, "fine", "dog ".repeat(20_000)));
        assertEquals(InferenceResult.Status.INVALID, r.answer().status());
        assertTrue(r.answer().error().contains("input 1 has 80000 characters, more than the 20"), r.answer().error());
    }

    @Test
    void aRequestIdTooLongToEchoIsDeadLettered() {
        InferenceRequest longId = new InferenceRequest(1, "r".repeat(SalvagedIds.MAX_CHARS + 1), taskId, "acme",
                List.of("a"), 0);
        RequestDoor.Refused r = refused(longId);
        assertNull(r.answer());
        assertTrue(r.deadLetterReason().contains("requestId has"), r.deadLetterReason());
    }
}
