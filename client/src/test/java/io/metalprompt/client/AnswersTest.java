package io.metalprompt.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.metalprompt.client.FakeGateway.Answer;

/**
 * The answers of {@code docs/api.md} read into the client's records: every field of issue 16 when sent, null when a
 * gateway does not send it, and fields or statuses this client does not know do not break it.
 */
class AnswersTest {

    private final FakeGateway gateway;
    private final MetalClient client;

    AnswersTest() throws Exception {
        gateway = new FakeGateway();
        client = gateway.client(RetryPolicy.NONE).build();
    }

    @AfterEach
    void close() {
        gateway.close();
    }

    @Test
    void aTaskWithItsVersionsQualityAndRefinement() {
        gateway.on("GET", "/v1/tasks/t1", Answer.json(200, """
                {"id":"t1","status":"ready","design":"PREFIX","k":16,"pgmVersion":"pgm-7","options":["positive","negative"],
                 "createdAt":"2026-12-01T10:00:00Z","examples":24,"version":2,"refine":{"steps":50,"status":"running"},
                 "versions":[
                   {"number":1,"source":"generated","examplesSeen":16,"pgmVersion":"pgm-7","createdAt":"2026-12-01T10:00:01Z",
                    "served":false,"quality":{"macroF1":0.61,"accuracy":0.7,"iclMacroF1":0.58,"iclAccuracy":0.66,"validationExamples":8}},
                   {"number":2,"source":"examples","examplesSeen":24,"pgmVersion":"pgm-7","createdAt":"2026-12-02T09:00:00Z",
                    "served":true,"quality":{"macroF1":0.64,"accuracy":0.72,"iclMacroF1":0.6,"iclAccuracy":0.68,"validationExamples":8}},
                   {"number":3,"source":"refined","examplesSeen":24,"pgmVersion":"pgm-7","createdAt":"2026-12-02T09:05:00Z",
                    "served":false,"quality":{"macroF1":0.5,"accuracy":0.6,"iclMacroF1":0.6,"iclAccuracy":0.68,"validationExamples":8},
                    "rejected":"macro-F1 0.500 below the served 0.640"}]}"""));

        TaskView t = client.task("t1");

        assertEquals(TaskStatus.READY, t.status());
        assertEquals(16, t.k());
        assertEquals(Instant.parse("2026-12-01T10:00:00Z"), t.createdAt());
        assertEquals(24, t.examples());
        assertEquals(2, t.version());
        assertEquals(new RefineState(50, "running"), t.refine());
        assertEquals(3, t.versions().size());
        Version served = t.servedVersion().orElseThrow();
        assertEquals(2, served.number());
        assertEquals(new Quality(0.64, 0.72, 0.6, 0.68, 8), served.quality());
        assertEquals("macro-F1 0.500 below the served 0.640", t.versions().get(2).rejected());
        assertNull(t.versions().get(1).rejected());
    }

    @Test
    void aTaskFromAGatewayBeforeIssue16HasNullsWhereTheNewFieldsWouldBe() {
        gateway.on("GET", "/v1/tasks/t1", Answer.json(200,
                "{\"id\":\"t1\",\"status\":\"pending\",\"design\":\"PREFIX\",\"options\":[\"a\",\"b\"],\"createdAt\":\"2026-12-01T10:00:00Z\"}"));
        TaskView t = client.task("t1");
        assertEquals(TaskStatus.PENDING, t.status());
        assertNull(t.k());
        assertNull(t.versions());
        assertNull(t.version());
        assertNull(t.refine());
        assertFalse(t.servedVersion().isPresent());
    }

    @Test
    void unknownFieldsAndStatusesDoNotBreakTheClient() {
        gateway.on("GET", "/v1/tasks/t1", Answer.json(200, "{\"id\":\"t1\",\"status\":\"archived\",\"colour\":\"blue\"}"));
        assertEquals(TaskStatus.UNKNOWN, client.task("t1").status());
    }

    @Test
    void predictionsWithTheVersionThatAnswered() {
        gateway.on("POST", "/v1/tasks/t1/predictions", Answer.json(200, """
                {"taskId":"t1","pgmVersion":"pgm-7","version":3,"predictions":[
                  {"input":"what a film","choice":"positive","scores":{"positive":-0.2,"negative":-1.9}},
                  {"input":"go on","text":"and on"}]}"""));
        PredictionResponse p = client.predict("t1", List.of("what a film", "go on"));
        assertEquals(3, p.version());
        assertEquals(Map.of("positive", -0.2, "negative", -1.9), p.predictions().get(0).scores());
        assertEquals("and on", p.predictions().get(1).text());
        assertEquals(java.util.Arrays.asList("positive", null), p.choices());
    }

    @Test
    void usageWithTotalsAndEachTasksCounts() {
        gateway.on("GET", "/v1/usage", Answer.json(200, """
                {"tenant":"acme","from":"2026-12-01","to":"2026-12-04",
                 "totals":{"inputsAnswered":30,"tokensRead":4000,"promptGenerations":3,"refinementSteps":50,"bytesStored":60000},
                 "tasks":[{"taskId":"t1","inputsAnswered":30,"tokensRead":4000,"promptGenerations":3,"refinementSteps":50,"bytesStored":60000}]}"""));
        Usage u = client.usage(LocalDate.of(2026, 12, 1), LocalDate.of(2026, 12, 4));
        assertEquals(LocalDate.of(2026, 12, 4), u.to());
        assertEquals(new Counts(30, 4000, 3, 50, 60000), u.totals());
        assertEquals(u.totals(), u.tasks().get(0).counts());
        assertEquals("t1", u.tasks().get(0).taskId());
    }

    @Test
    void acceptedVersionsAndDeletion() {
        gateway.on("POST", "/v1/tasks/t1/examples", Answer.json(202, "{\"id\":\"t1\",\"version\":2,\"statusUrl\":\"/v1/tasks/t1\"}"));
        gateway.on("DELETE", "/v1/tasks/t1", Answer.noContent());
        assertEquals(new VersionAccepted("t1", 2, "/v1/tasks/t1"),
                client.addExamples("t1", ExamplesRequest.of(List.of(Example.of("a", "b")))));
        client.delete("t1");
        assertEquals(2, gateway.requests().size());
    }

    @Test
    void aSuccessThatIsNotTheDocumentedBodySaysWhatWasExpected() {
        gateway.on("GET", "/v1/tasks/t1", Answer.json(200, "[1,2]"));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> client.task("t1"));
        assertTrue(e.getMessage().startsWith("GET /v1/tasks/t1: the answer is not a TaskView"), e.getMessage());

        gateway.on("POST", "/v1/tasks", new Answer(202, Map.of(), "", java.time.Duration.ZERO));
        e = assertThrows(UncheckedIOException.class, () -> client.register(TaskRequest.of(List.of(Example.of("a", "b")))));
        assertEquals("POST /v1/tasks: the answer is not a TaskAccepted: it is empty", e.getMessage());
    }
}
