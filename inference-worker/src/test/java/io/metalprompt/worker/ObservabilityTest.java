package io.metalprompt.worker;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

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
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.prompt.GeneratedPrompt;
import io.metalprompt.prompt.PromptArtifact;
import io.metalprompt.prompt.PromptGenerator;
import io.metalprompt.prompt.TaskExamples;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskStore;
import io.metalprompt.testing.CollectedSpans;
import io.metalprompt.testing.KafkaTest;
import io.metalprompt.testing.MetricsEndpoint;
import io.metalprompt.testing.TinyModels;
import io.metalprompt.testing.TinyModelsTestResource;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/**
 * The worker's observability over a real broker: requests served in a batch leave the metrics docs/observability.md
 * names in /q/metrics, and a request's trace continues through the batch consumer into its reply record.
 */
@QuarkusTest
@QuarkusTestResource(value = TinyModelsTestResource.class, restrictToAnnotatedClass = false,
        initArgs = @ResourceArg(name = "pgm", value = "false"))
class ObservabilityTest extends KafkaTest {

    /** Metrics are served on the management interface (its root path is /q). */
    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;


    @Inject
    TaskStore store;

    @Inject
    TaskPrompts prompts;

    @Inject
    LanguageModel model;

    @Inject
    LmTokenizer tokenizer;

    @Inject
    CollectedSpans spans;

    /** A ready PREFIX task, stored as the prompt-generator stores one. */
    private TaskRegistered readyTask() {
        TaskRegistered t = new TaskRegistered(1, UUID.randomUUID().toString(), "acme",
                List.of(new Example("a happy dog", "good"), new Example("a sad cat", "bad")),
                List.of("good", "bad"), PromptDesign.PREFIX, 0, Instant.now());
        store.register(t);
        Path pgmDir = Path.of(TinyModels.config().get("metal.model.pgm")).resolve("prefix");
        try (PromptGenerator pgm = PromptGenerator.load(model, pgmDir);
             GeneratedPrompt prompt = pgm.generate(TaskExamples.of(t), tokenizer)) {
            PromptArtifact artifact = PromptArtifact.of(prompt, pgm, Instant.now());
            prompts.storeReady(t.taskId(), pgm.version(), prompt.k(), artifact.promptText(), artifact.toBytes());
        }
        return t;
    }

    /** A request record as the gateway writes it, with a traceparent when {@code traceparent} is not null. */
    private static ProducerRecord<String, String> request(TaskRegistered t, String traceparent, String... inputs) {
        InferenceRequest req = new InferenceRequest(1, UUID.randomUUID().toString(), t.taskId(), "acme", List.of(inputs), 0);
        ProducerRecord<String, String> record = new ProducerRecord<>(Topics.INFERENCE_REQUESTS, t.taskId(),
                EventCodec.encodeToString(req));
        record.headers().add(new RecordHeader(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER,
                req.requestId().getBytes(StandardCharsets.UTF_8)));
        record.headers().add(new RecordHeader(KafkaRequestReply.DEFAULT_REPLY_TOPIC_HEADER,
                Topics.INFERENCE_RESULTS.getBytes(StandardCharsets.UTF_8)));
        if (traceparent != null) {
            record.headers().add(new RecordHeader("traceparent", traceparent.getBytes(StandardCharsets.UTF_8)));
        }
        return record;
    }

    private List<ConsumerRecord<String, String>> replies(String taskId, int count) {
        return records(Topics.INFERENCE_RESULTS, withKey(taskId), count, IsolationLevel.READ_UNCOMMITTED);
    }

    @Test
    void metricsAfterServing() {
        TaskRegistered t = readyTask();
        companion.produceStrings().fromRecords(request(t, null, "a happy cat", "a sad dog"), request(t, null, "a dog"));
        replies(t.taskId(), 2).forEach(r -> assertEquals(InferenceResult.Status.OK,
                EventCodec.decode(r.value(), InferenceResult.class).status()));

        List<String> lines = List.of(given().when().get(metrics).then().statusCode(200).extract().asString().split("\n"));
        assertTrue(value(lines, "metal_worker_batch_seconds_count") >= 1, "batches timed");
        // the commit is timed once the transaction is acknowledged, which may come just after its records are read
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<String> now = lines;
        while (value(now, "metal_worker_commit_seconds_count") < 1 && System.nanoTime() < deadline) {
            now = List.of(given().when().get(metrics).then().statusCode(200).extract().asString().split("\n"));
        }
        assertTrue(value(now, "metal_worker_commit_seconds_count") >= 1, "transaction commits timed");
        assertMetric(lines, "metal_worker_batch_seconds_bucket{");
        assertMetric(lines, "metal_worker_batch_requests_bucket{");
        assertTrue(value(lines, "metal_worker_batch_inputs_sum") >= 3, "inputs per batch summed");
        assertTrue(value(lines, "metal_worker_requests_total{status=\"ok\"") >= 2, "requests answered OK");
        assertMetric(lines, "metal_worker_request_wait_seconds_bucket{");
        assertTrue(value(lines, "metal_worker_prefix_cache_misses_total") >= 1, "the task's prefix was built once");
        assertTrue(value(lines, "metal_worker_prefix_cache_hits_total") >= 1, "and then found in memory");
        assertMetric(lines, "metal_worker_prefix_cache_evictions_total");
        assertTrue(value(lines, "metal_worker_prefix_cache_bytes") > 0, "bytes cached");
        assertTrue(value(lines, "metal_worker_prefix_cache_entries") >= 1, "entries cached");
        assertEquals(268435456, value(lines, "metal_worker_prefix_cache_max_bytes"));
        assertTrue(value(lines, "metal_worker_prefix_load_seconds_count") >= 1, "prefix builds timed");
        // the request consumer's lag (Kafka binder)
        assertMetric(lines, "kafka_consumer_fetch_manager_records_lag_max{");
        MetricsEndpoint.assertTextFormatParses(metrics);
        MetricsEndpoint.assertPrometheusGetsOpenMetrics(metrics);   // no exemplars: a batch is served outside any one trace
    }

    @Test
    void aRequestsTraceContinuesThroughTheBatchIntoItsReply() throws Exception {
        TaskRegistered t = readyTask();
        String traceId = UUID.randomUUID().toString().replace("-", "");
        String gatewaySpan = traceId.substring(0, 16);
        companion.produceStrings().fromRecords(request(t, "00-" + traceId + "-" + gatewaySpan + "-01", "a happy cat"),
                request(t, null, "a sad dog"));
        ConsumerRecord<String, String> reply = replies(t.taskId(), 2).stream()
                .filter(r -> r.headers().lastHeader("traceparent") != null
                        && new String(r.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8).contains(traceId))
                .findFirst().orElseThrow(() -> new AssertionError("no reply carries trace " + traceId));
        String[] parts = new String(reply.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8).split("-");

        SpanData receive = spans.await(s -> s.getTraceId().equals(traceId) && s.getKind() == SpanKind.CONSUMER,
                "consumer span of the request record", Duration.ofSeconds(10));
        assertEquals(gatewaySpan, receive.getParentSpanId(), "the record's consumer span continues the gateway's");
        SpanData serve = spans.await(s -> s.getTraceId().equals(traceId) && s.getName().equals(BatchHandler.SERVE_SPAN),
                "serve span of the request", Duration.ofSeconds(10));
        assertEquals(receive.getSpanId(), serve.getParentSpanId());
        assertEquals("OK", serve.getAttributes().get(AttributeKey.stringKey("metal.status")));
        SpanData publish = spans.await(s -> s.getTraceId().equals(traceId) && s.getKind() == SpanKind.PRODUCER,
                "producer span of the reply", Duration.ofSeconds(10));
        assertEquals(serve.getSpanId(), publish.getParentSpanId());
        assertEquals(publish.getSpanId(), parts[2], "the reply's traceparent names the reply's producer span");
        assertNotEquals(gatewaySpan, parts[2]);
    }

    private static void assertMetric(List<String> lines, String prefix) {
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(prefix)), "/q/metrics has no " + prefix + "...");
    }

    private static double value(List<String> lines, String prefix) {
        assertMetric(lines, prefix);
        return lines.stream().filter(l -> l.startsWith(prefix))
                .mapToDouble(ObservabilityTest::sampleValue).sum();
    }

    /** The value of a sample line {@code name{labels} value [# exemplar]} (exemplars carry trace ids). */
    static double sampleValue(String line) {
        String sample = line.contains(" # ") ? line.substring(0, line.indexOf(" # ")) : line;
        return Double.parseDouble(sample.substring(sample.lastIndexOf(' ') + 1));
    }
}
