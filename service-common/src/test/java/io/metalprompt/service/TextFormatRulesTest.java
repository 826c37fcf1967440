package io.metalprompt.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.metalprompt.testing.Promtool;
import io.metalprompt.testing.TextFormatRules;

/**
 * The text format's rules accept what Prometheus' parser accepts and find what it rejects, among them the two faults
 * the services' OpenMetrics output shows when read as text (an exemplar, {@code \"} in a HELP line); and promtool,
 * where installed, agrees on every case.
 */
class TextFormatRulesTest {

    private static final String VALID = """
            # HELP metal_requests_total Requests by "status", a \\\\ and a\\nsecond line
            # TYPE metal_requests_total counter
            metal_requests_total{status="ok",path="C:\\\\dir \\"x\\"\\n"} 3.0
            metal_requests_total{status="failed",} 1 1700000000123
            metal_requests_total{status="x # y"} 0
            # a comment
            # HELP metal_wait_seconds Wait.
            # TYPE metal_wait_seconds histogram
            metal_wait_seconds_bucket{le="0.5"} 1.0
            metal_wait_seconds_bucket{le="+Inf"} 2.0
            metal_wait_seconds_count 2.0
            metal_wait_seconds_sum 0.75
            # TYPE metal_ratio gauge
            metal_ratio NaN
            metal_ratio_min -Inf

            metal_untyped 1.5e-3
            """;

    private static final Map<String, String> INVALID = Map.of(
            "HELP escapes anything but", "# HELP kafka_x The \\\"quoted\\\" name\n# TYPE kafka_x gauge\nkafka_x 1.0\n",
            "an exemplar", "# TYPE metal_events_total counter\n"
                    + "metal_events_total{outcome=\"ready\"} 1.0 # {span_id=\"ab\",trace_id=\"cd\"} 1.0 1700000000.123\n",
            "timestamp 1700000000.123 is not an integer", "# TYPE metal_g gauge\nmetal_g 1.0 1700000000.123\n",
            "value one is not a float", "metal_g one\n",
            "unknown type", "# TYPE metal_g info\nmetal_g 1.0\n",
            "TYPE after samples", "metal_g 1.0\n# TYPE metal_g gauge\n",
            "a second HELP line", "# HELP metal_g a\n# HELP metal_g b\nmetal_g 1.0\n",
            "not name{labels} value", "metal_g{le=\"1\" 1.0\n");

    @Test
    void validTextParses() {
        assertEquals(List.of(), TextFormatRules.problems(VALID));
    }

    @Test
    void eachBrokenRuleIsFoundOnItsLine() {
        INVALID.forEach((reason, text) -> {
            List<String> problems = TextFormatRules.problems(text);
            assertEquals(1, problems.size(), text + " -> " + problems);
            assertTrue(problems.get(0).contains(reason), problems.get(0));
        });
    }

    @Test
    void promtoolAgreesWhereInstalled() {
        Path promtool = Promtool.find().orElse(null);
        Assumptions.assumeTrue(promtool != null, "promtool is not installed (Debian: apt-get install prometheus)");
        assertEquals(java.util.Optional.empty(), Promtool.parseErrors(promtool, VALID));
        INVALID.forEach((reason, text) ->
                assertTrue(Promtool.parseErrors(promtool, text).isPresent(), "promtool accepts what breaks '" + reason + "'"));
    }
}
