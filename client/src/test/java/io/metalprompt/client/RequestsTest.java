package io.metalprompt.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import java.time.LocalDate;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.metalprompt.client.FakeGateway.Answer;
import io.metalprompt.client.FakeGateway.Request;

/** Each typed call sends the method, path, headers and JSON body of {@code docs/api.md}, and nothing a gateway would refuse. */
class RequestsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Example> TWO = List.of(Example.of("a delight", "positive"), Example.of("a bore", "negative"));

    private final FakeGateway gateway;
    private final MetalClient client;

    RequestsTest() throws Exception {
        gateway = new FakeGateway();
        client = gateway.client(RetryPolicy.NONE).build();
    }

    @AfterEach
    void close() {
        gateway.close();
    }

    private Request only() {
        assertEquals(1, gateway.requests().size());
        return gateway.requests().get(0);
    }

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void aRegistrationSendsOnlyTheFieldsGiven() throws Exception {
        // the gateway refuses unknown fields (400): one without issue 16 must not get "validation": null
        gateway.on("POST", "/v1/tasks", Answer.json(202, "{\"id\":\"t1\",\"status\":\"pending\",\"statusUrl\":\"/v1/tasks/t1\"}"));
        client.register(TaskRequest.of(TWO));
        Request r = only();
        assertEquals("POST", r.method());
        assertEquals("application/json", r.header("Content-Type"));
        assertEquals("Bearer test-key", r.header("Authorization"));
        assertEquals(json("{\"examples\":[{\"input\":\"a delight\",\"output\":\"positive\"},{\"input\":\"a bore\",\"output\":\"negative\"}]}"),
                json(r.body()));
    }

    @Test
    void aRegistrationWithEveryFieldSendsThemAll() throws Exception {
        gateway.on("POST", "/v1/tasks", Answer.json(202, "{\"id\":\"t1\",\"status\":\"pending\"}"));
        client.register(TaskRequest.of(TWO).withOptions(List.of("positive", "negative")).withDesign("DISCRETE")
                .withDemonstrations(1).withValidation(List.of(Example.of("fine", "positive"))).withRefine(Refinement.steps(20)));
        JsonNode body = json(only().body());
        assertEquals(json("[\"positive\",\"negative\"]"), body.get("options"));
        assertEquals("DISCRETE", body.get("design").asText());
        assertEquals(1, body.get("demonstrations").asInt());
        assertEquals(json("[{\"input\":\"fine\",\"output\":\"positive\"}]"), body.get("validation"));
        assertEquals(json("{\"steps\":20}"), body.get("refine"));
    }

    @Test
    void examplesRefinementPredictionsAndDeletionGoToTheTasksPaths() throws Exception {
        gateway.on("POST", "/v1/tasks/t 1/examples", Answer.json(202, "{\"id\":\"t 1\",\"version\":2,\"statusUrl\":\"/v1/tasks/t%201\"}"));
        gateway.on("POST", "/v1/tasks/t 1/refine", Answer.json(202, "{\"id\":\"t 1\",\"version\":3}"));
        gateway.on("POST", "/v1/tasks/t 1/predictions", Answer.json(200, "{\"taskId\":\"t 1\",\"predictions\":[]}"));
        gateway.on("DELETE", "/v1/tasks/t 1", Answer.noContent());

        client.addExamples("t 1", ExamplesRequest.of(TWO.subList(0, 1)).withValidation(TWO.subList(1, 2)));
        client.refine("t 1", Refinement.steps(50));
        client.predict("t 1", List.of("what a film", "my money back"));
        client.delete("t 1");

        List<Request> sent = gateway.requests();
        assertEquals("/v1/tasks/t%201/examples", sent.get(0).uri().getRawPath(), "the id is escaped in the path");
        assertEquals(json("{\"examples\":[{\"input\":\"a delight\",\"output\":\"positive\"}],"
                + "\"validation\":[{\"input\":\"a bore\",\"output\":\"negative\"}]}"), json(sent.get(0).body()));
        assertEquals(json("{\"steps\":50}"), json(sent.get(1).body()));
        assertEquals(json("{\"inputs\":[\"what a film\",\"my money back\"]}"), json(sent.get(2).body()));
        assertEquals("DELETE", sent.get(3).method());
        assertEquals("", sent.get(3).body());
    }

    @Test
    void usageAsksForTheDaysGivenOrTheGatewaysDefault() {
        String usage = "{\"tenant\":\"acme\",\"from\":\"2026-12-01\",\"to\":\"2026-12-04\",\"totals\":{},\"tasks\":[]}";
        gateway.on("GET", "/v1/usage", Answer.json(200, usage));
        client.usage(LocalDate.of(2026, 12, 1), LocalDate.of(2026, 12, 4));
        client.usage(null, null);
        assertEquals("from=2026-12-01&to=2026-12-04", gateway.requests().get(0).uri().getQuery());
        assertNull(gateway.requests().get(1).uri().getQuery());
    }

    @Test
    void aBaseUriWithAPathKeepsIt() throws Exception {
        try (FakeGateway behindProxy = new FakeGateway()) {
            behindProxy.on("GET", "/metal/v1/tasks/t1", Answer.json(200, "{\"id\":\"t1\",\"status\":\"ready\"}"));
            MetalClient c = MetalClient.builder(URI.create(behindProxy.uri() + "/metal"), "k").build();
            assertEquals("t1", c.task("t1").id());
        }
    }
}
