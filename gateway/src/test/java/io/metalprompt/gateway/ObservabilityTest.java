package io.metalprompt.gateway;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import io.metalprompt.events.Events;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Prediction;
import io.metalprompt.testing.CollectedSpans;
import io.metalprompt.testing.KafkaRedisTestResource;
import io.metalprompt.testing.MetricsEndpoint;
import io.opentelemetry.api.trace.SpanKind;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * The gateway's observability over a real broker: after traffic, /q/metrics has the metrics docs/observability.md
 * names; and a prediction's trace continues from the client's traceparent into the request record the worker reads.
 */
@QuarkusTest
@QuarkusTestResource(KafkaRedisTestResource.class)
class ObservabilityTest extends ReplierTest {

    private final List<ConsumerRecord<String, String>> requests = new CopyOnWriteArrayList<>();

    @Inject
    CollectedSpans spans;

    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    /** Answers every request of {@code taskId} as the worker would, and keeps the request records. */
    private void startReplier(String taskId) {
        replier = TestReplier.start(companion, taskId, request -> {
            requests.add(request);
            ProducerRecord<String, String> reply = TestReplier.reply(request, ObservabilityTest::ok);
            // a worker's reply continues the request's trace
            Header traceparent = request.headers().lastHeader("traceparent");
            if (traceparent != null) {
                reply.headers().add("traceparent", traceparent.value());
            }
            return reply;
        });
    }

    private static InferenceResult ok(InferenceRequest request) {
        List<Prediction> predictions = request.inputs().stream()
                .map(input -> new Prediction("positive", Map.of("positive", -0.5, "negative", -1.5), null))
                .toList();
        return new InferenceResult(Events.SCHEMA_VERSION, request.requestId(), request.taskId(),
                InferenceResult.Status.OK, predictions, null, "pgm-obs", System.currentTimeMillis());
    }

    @Test
    void metricsAfterTraffic() {
        TaskApiTest.register(TaskApiTest.SENTIMENT);
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("positive", "negative"));
        startReplier(id);
        for (int i = 0; i < 3; i++) {
            TaskApiTest.api().contentType(ContentType.JSON).body("{\"inputs\": [\"fine\", \"awful\"]}")
                    .when().post("/v1/tasks/" + id + "/predictions").then().statusCode(200);
        }
        TaskApiTest.api().when().get("/v1/tasks/" + id).then().statusCode(200);

        List<String> lines = List.of(given().when().get(metrics).then().statusCode(200).extract().asString().split("\n"));
        assertMetric(lines, "metal_gateway_requests_seconds_bucket{", "endpoint=\"predict\"");
        assertMetric(lines, "metal_gateway_requests_seconds_count{", "endpoint=\"register\"");
        assertMetric(lines, "metal_gateway_requests_seconds_count{", "endpoint=\"get\"");
        assertMetric(lines, "metal_gateway_inference_roundtrip_seconds_bucket{", "outcome=\"ok\"");
        assertMetric(lines, "metal_gateway_registrations_total", "");
        assertMetric(lines, "metal_gateway_predictions_total{", "outcome=\"ok\"");
        assertMetric(lines, "metal_gateway_predicted_inputs_total", "");
        assertMetric(lines, "http_server_requests_seconds_count{", "uri=\"/v1/tasks/{id}/predictions\"");
        // the reply consumer's lag (Kafka binder) and the request producer's sends
        assertMetric(lines, "kafka_consumer_fetch_manager_records_lag_max{", "");
        assertMetric(lines, "kafka_producer_record_send_total{", "");

        double predictions = value(lines, "metal_gateway_inference_roundtrip_seconds_count{", "outcome=\"ok\"");
        assertTrue(predictions >= 3, "three round trips counted, got " + predictions);
        // and their stages (RoundTripStages): every reply is delivered and resumed
        assertTrue(value(lines, "metal_gateway_inference_stage_seconds_count{", "stage=\"delivery\"") >= 3);
        assertTrue(value(lines, "metal_gateway_inference_stage_seconds_count{", "stage=\"resume\"") >= 3);
        MetricsEndpoint.assertTextFormatParses(metrics);
        MetricsEndpoint.assertOpenMetricsExemplar(metrics, "metal_gateway_");
    }

    @Test
    void aPredictionsTraceContinuesIntoTheRequestRecordAndBack() throws Exception {
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("positive", "negative"));
        startReplier(id);
        String traceId = randomHex(32);
        String clientSpan = randomHex(16);
        TaskApiTest.api().contentType(ContentType.JSON).header("traceparent", "00-" + traceId + "-" + clientSpan + "-01")
                .body("{\"inputs\": [\"fine\"]}")
                .when().post("/v1/tasks/" + id + "/predictions").then().statusCode(200);

        ConsumerRecord<String, String> record = requests.get(0);
        Header header = record.headers().lastHeader("traceparent");
        assertNotNull(header, "the request record carries the trace context");
        String[] parts = new String(header.value(), StandardCharsets.UTF_8).split("-");
        assertEquals(traceId, parts[1], "same trace as the client's request");
        assertNotEquals(clientSpan, parts[2], "its parent is the gateway's own span, not the client's");

        var server = spans.await(s -> s.getTraceId().equals(traceId) && s.getKind() == SpanKind.SERVER,
                "HTTP server span of the prediction", Duration.ofSeconds(10));
        assertEquals(clientSpan, server.getParentSpanId());
        var publish = spans.await(s -> s.getTraceId().equals(traceId) && s.getKind() == SpanKind.PRODUCER,
                "Kafka producer span of the request", Duration.ofSeconds(10));
        assertEquals(parts[2], publish.getSpanId(), "the record's traceparent names the producer span");
        spans.await(s -> s.getTraceId().equals(traceId) && s.getKind() == SpanKind.CONSUMER,
                "Kafka consumer span of the reply", Duration.ofSeconds(10));
    }

    private static String randomHex(int length) {
        String hex = UUID.randomUUID().toString().replace("-", "") + UUID.randomUUID().toString().replace("-", "");
        return hex.substring(0, length);
    }

    static void assertMetric(List<String> lines, String prefix, String containing) {
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(prefix) && l.contains(containing)),
                "/q/metrics has no " + prefix + "..." + containing + "...");
    }

    static double value(List<String> lines, String prefix, String containing) {
        return lines.stream().filter(l -> l.startsWith(prefix) && l.contains(containing))
                .mapToDouble(ObservabilityTest::sampleValue).sum();
    }

    /** The value of a sample line {@code name{labels} value [# exemplar]} (exemplars carry trace ids). */
    static double sampleValue(String line) {
        String sample = line.contains(" # ") ? line.substring(0, line.indexOf(" # ")) : line;
        return Double.parseDouble(sample.substring(sample.lastIndexOf(' ') + 1));
    }
}
