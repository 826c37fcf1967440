package io.metalprompt.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class EventCodecTest {

    private static final Instant NOW = Instant.parse("2026-11-26T06:00:00Z");

    @Test
    void taskRegistrationRoundTripsThroughItsSealedType() {
        TaskRegistered sent = new TaskRegistered(1, "t-1", "acme",
                List.of(new Example("the dog ran", "alpha"), new Example("a red car", "beta")),
                List.of("alpha", "beta"), PromptDesign.PREFIX, 1, NOW);
        String json = EventCodec.encodeToString(sent);
        assertTrue(json.contains("\"type\":\"TaskRegistered\""), json);
        assertTrue(json.contains("\"registeredAt\":\"2026-11-26T06:00:00Z\""), json);
        assertEquals(sent, EventCodec.decode(json, TaskEvent.class));
    }

    @Test
    void everyRecordRoundTrips() {
        List<Object> events = List.of(
                new TaskDeleted(1, "t-1", "acme", NOW),
                new PromptReady(1, "t-1", "acme", "pgm-3", PromptDesign.DISCRETE, 8, "alpha beta", 12, NOW),
                new PromptFailed(1, "t-1", "acme", "example 3 is longer than the model's context", NOW),
                new InferenceRequest(1, "r-1", "t-1", "acme", List.of("a dog"), 0),
                new InferenceResult(1, "r-1", "t-1", InferenceResult.Status.OK,
                        List.of(new Prediction("alpha", Map.of("alpha", -0.1, "beta", -2.3), null)), null, "pgm-3", 5),
                new ModelPublished(1, "pgm-3", "sha256:abc", "/models/pgm/pgm-3", Map.of("macro_f1", 0.7), NOW));
        for (Object event : events) {
            Class<?> type = event instanceof TaskEvent ? TaskEvent.class
                    : event instanceof PromptEvent ? PromptEvent.class : event.getClass();
            assertEquals(event, EventCodec.decode(EventCodec.encode(event), type));
        }
    }

    @Test
    void unknownFieldsAreIgnoredForForwardCompatibility() {
        String json = "{\"schemaVersion\":1,\"requestId\":\"r\",\"taskId\":\"t\",\"tenant\":\"a\","
                + "\"inputs\":[\"x\"],\"deadlineEpochMillis\":0,\"priority\":\"high\"}";
        assertEquals(List.of("x"), EventCodec.decode(json, InferenceRequest.class).inputs());
    }

    @Test
    void badRecordsAreRejectedWithAReason() {
        InvalidRecordException notJson = assertThrows(InvalidRecordException.class,
                () -> EventCodec.decode("{not json", InferenceRequest.class));
        assertTrue(notJson.getMessage().startsWith("not a valid InferenceRequest record"), notJson.getMessage());

        InvalidRecordException version = assertThrows(InvalidRecordException.class, () -> EventCodec.decode(
                "{\"schemaVersion\":7,\"requestId\":\"r\",\"taskId\":\"t\",\"tenant\":\"a\",\"inputs\":[\"x\"],"
                        + "\"deadlineEpochMillis\":0}", InferenceRequest.class));
        assertTrue(version.getMessage().contains("unsupported schemaVersion 7"), version.getMessage());

        InvalidRecordException missing = assertThrows(InvalidRecordException.class, () -> EventCodec.decode(
                "{\"schemaVersion\":1,\"requestId\":\"r\",\"taskId\":\"t\",\"tenant\":\"a\",\"inputs\":[],"
                        + "\"deadlineEpochMillis\":0}", InferenceRequest.class));
        assertTrue(missing.getMessage().contains("inputs must not be empty"), missing.getMessage());

        assertThrows(InvalidRecordException.class, () -> EventCodec.decode((byte[]) null, TaskEvent.class));
        // the JSON literal null is no record either (Jackson reads it as a null object; the Kafka fuzzer found it)
        for (String nothing : new String[] {"null", " null ", "", "   "}) {
            InvalidRecordException none = assertThrows(InvalidRecordException.class,
                    () -> EventCodec.decode(nothing, InferenceRequest.class), "'" + nothing + "'");
            assertTrue(none.getMessage().contains("InferenceRequest"), none.getMessage());
        }
        InvalidRecordException unknownType = assertThrows(InvalidRecordException.class,
                () -> EventCodec.decode("{\"type\":\"TaskExploded\",\"schemaVersion\":1}", TaskEvent.class));
        assertInstanceOf(InvalidRecordException.class, unknownType);
    }

    @Test
    void demonstrationsCannotExceedTheExamples() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TaskRegistered(1, "t", "a",
                List.of(new Example("x", "y")), List.of(), PromptDesign.PREFIX, 2, NOW));
        assertTrue(e.getMessage().contains("demonstrations"), e.getMessage());
    }

    @Test
    void aResultCarriesThePositionsReadAndOneWithoutThemReadsAsZero() {
        InferenceResult counted = new InferenceResult(1, "r-1", "t-1", InferenceResult.Status.OK, List.of(), null,
                "pgm-1", 5, 321, 3);
        assertEquals(counted, EventCodec.decode(EventCodec.encode(counted), InferenceResult.class));
        String old = "{\"schemaVersion\":1,\"requestId\":\"r-1\",\"taskId\":\"t-1\",\"status\":\"OK\","
                + "\"predictions\":[],\"error\":null,\"pgmVersion\":\"pgm-1\",\"servedAtEpochMillis\":5}";
        assertEquals(0, EventCodec.decode(old, InferenceResult.class).tokensRead());
        assertEquals(0, EventCodec.decode(old, InferenceResult.class).promptVersion());
    }
}
