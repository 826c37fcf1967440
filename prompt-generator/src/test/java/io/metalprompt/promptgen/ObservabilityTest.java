package io.metalprompt.promptgen;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Example;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.events.Topics;
import io.metalprompt.testing.KafkaTest;
import io.metalprompt.testing.MetricsEndpoint;
import io.metalprompt.testing.TinyModelsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The prompt-generator's observability over a real broker: after a registration, /q/metrics has the metrics
 * docs/observability.md names, and the prompt event continues the registration record's trace.
 */
@QuarkusTest
@QuarkusTestResource(value = TinyModelsTestResource.class, restrictToAnnotatedClass = false)
class ObservabilityTest extends KafkaTest {

    /** Metrics are served on the management interface (its root path is /q). */
    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;


    @Test
    void aRegistrationLeavesMetricsAndItsPromptEventContinuesItsTrace() {
        TaskRegistered t = new TaskRegistered(1, UUID.randomUUID().toString(), "acme",
                List.of(new Example("a happy dog", "good"), new Example("a sad cat", "bad")), List.of("good", "bad"),
                PromptDesign.PREFIX, 0, Instant.now());
        String traceId = UUID.randomUUID().toString().replace("-", "");
        String gatewaySpan = traceId.substring(16);
        ProducerRecord<String, String> record = new ProducerRecord<>(Topics.TASK_REGISTRATIONS, t.taskId(),
                EventCodec.encodeToString(t));
        record.headers().add("traceparent", ("00-" + traceId + "-" + gatewaySpan + "-01").getBytes(StandardCharsets.UTF_8));
        companion.produceStrings().fromRecords(record);

        ConsumerRecord<String, String> event = first(Topics.PROMPT_EVENTS, withKey(t.taskId()));
        Header traceparent = event.headers().lastHeader("traceparent");
        assertNotNull(traceparent, "the prompt event carries the trace context");
        String[] parts = new String(traceparent.value(), StandardCharsets.UTF_8).split("-");
        assertEquals(traceId, parts[1], "the registration's trace");
        assertNotEquals(gatewaySpan, parts[2]);

        List<String> lines = List.of(given().when().get(metrics).then().statusCode(200).extract().asString().split("\n"));
        assertTrue(value(lines, "metal_promptgen_generation_seconds_count{", "design=\"prefix\",outcome=\"ready\"") >= 1,
                "generation timed");
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("metal_promptgen_generation_seconds_bucket{")), "as a histogram");
        assertTrue(value(lines, "metal_promptgen_task_events_total{", "outcome=\"ready\"") >= 1, "outcome counted");
        assertTrue(value(lines, "metal_promptgen_artifact_bytes_sum", "") > 0, "artifact sizes recorded");
        assertTrue(value(lines, "metal_promptgen_usage_generations_total{", "tenant=\"acme\"") >= 1,
                "the tenant's prompt generation metered");
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("kafka_consumer_fetch_manager_records_lag_max{")),
                "the registration consumer's lag (Kafka binder)");
        MetricsEndpoint.assertTextFormatParses(metrics);
        MetricsEndpoint.assertOpenMetricsExemplar(metrics, "metal_promptgen_");
    }

    static double value(List<String> lines, String prefix, String containing) {
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(prefix) && l.contains(containing)),
                "/q/metrics has no " + prefix + "..." + containing);
        return lines.stream().filter(l -> l.startsWith(prefix) && l.contains(containing))
                .mapToDouble(ObservabilityTest::sampleValue).sum();
    }

    /** The value of a sample line {@code name{labels} value [# exemplar]} (exemplars carry trace ids). */
    static double sampleValue(String line) {
        String sample = line.contains(" # ") ? line.substring(0, line.indexOf(" # ")) : line;
        return Double.parseDouble(sample.substring(sample.lastIndexOf(' ') + 1));
    }
}
