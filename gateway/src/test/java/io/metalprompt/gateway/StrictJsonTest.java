package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The request bodies the gateway's ObjectMapper refuses once {@link StrictJson} has customised it. */
class StrictJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        new StrictJson().customize(JSON);
    }

    private static final String EXAMPLES = "\"examples\": [{\"input\": \"a\", \"output\": \"x\"}]";

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"examples\": [{\"input\": 123, \"output\": \"x\"}]}",
            "{\"examples\": [{\"input\": 1.5, \"output\": \"x\"}]}",
            "{\"examples\": [{\"input\": \"a\", \"output\": true}]}",
            "{" + EXAMPLES + ", \"options\": [\"x\", 2]}",
            "{" + EXAMPLES + ", \"demonstrations\": \"1\"}",
            "{" + EXAMPLES + ", \"demonstrations\": \"\"}",
            "{" + EXAMPLES + ", \"demonstrations\": 1.5}",
            "{" + EXAMPLES + ", \"demonstrations\": 1e10}",
            "{" + EXAMPLES + ", \"demonstrations\": true}",
            "{" + EXAMPLES + ", \"design\": 7}",
            "{" + EXAMPLES + "}}}}",
            "{" + EXAMPLES + "} {}",
            "{" + EXAMPLES + "} x",
            "{" + EXAMPLES + ", " + EXAMPLES + "}"})
    void registrationsAreRefused(String body) {
        assertThrows(JsonProcessingException.class, () -> JSON.readValue(body, Api.TaskRequest.class), body);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"inputs\": [1]}", "{\"inputs\": [true]}", "{\"inputs\": \"x\"}", "{\"inputs\": [\"x\"]} 1"})
    void predictionsAreRefused(String body) {
        assertThrows(JsonProcessingException.class, () -> JSON.readValue(body, Api.PredictionRequest.class), body);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{" + EXAMPLES + ", \"demonstrations\": 0}", "{" + EXAMPLES + ", \"demonstrations\": null}",
            "  {" + EXAMPLES + "}  \n"})
    void wellTypedBodiesAreRead(String body) throws Exception {
        assertEquals("a", JSON.readValue(body, Api.TaskRequest.class).examples().get(0).input());
    }
}
