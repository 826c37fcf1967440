package io.metalprompt.gateway;

import static io.metalprompt.gateway.TaskApiTest.api;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Events;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Prediction;
import io.metalprompt.events.TaskDeleted;
import io.metalprompt.events.TaskEvent;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.events.Topics;
import io.metalprompt.testing.KafkaRedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/**
 * The gateway against a real broker: registrations and deletions land on their topic with the task id as key,
 * and predictions make the round trip through a test replier that follows the header contract of
 * docs/architecture.md ("Request-reply headers") exactly as the inference-worker must.
 */
@QuarkusTest
@QuarkusTestResource(KafkaRedisTestResource.class)
class KafkaRoundTripTest extends ReplierTest {

    private ConsumerRecord<String, String> lastRecordFor(String taskId, int count) {
        return records(Topics.TASK_REGISTRATIONS, withKey(taskId), count, IsolationLevel.READ_UNCOMMITTED).get(count - 1);
    }

    @Test
    void registrationIsPublishedKeyedByTaskId() {
        String id = api().contentType(ContentType.JSON).body(TaskApiTest.SENTIMENT)
                .when().post("/v1/tasks").then().statusCode(202).extract().path("id");
        ConsumerRecord<String, String> record = lastRecordFor(id, 1);
        assertEquals(id, record.key());
        TaskRegistered event = assertInstanceOf(TaskRegistered.class, EventCodec.decode(record.value(), TaskEvent.class));
        assertEquals("acme", event.tenant());
        assertEquals(List.of("positive", "negative"), event.options());
        assertEquals(3, event.examples().size());
        assertEquals("PREFIX", event.design().name());
    }

    @Test
    void deletionIsPublishedKeyedByTaskId() {
        String id = TaskApiTest.register(TaskApiTest.SENTIMENT);
        api().when().delete("/v1/tasks/" + id).then().statusCode(204);
        ConsumerRecord<String, String> record = lastRecordFor(id, 2);
        assertInstanceOf(TaskDeleted.class, EventCodec.decode(record.value(), TaskEvent.class));
    }

    /** Answers every request of {@code taskId} the way the inference-worker must: copy the headers, reply where they say. */
    private void startReplier(String taskId, Function<InferenceRequest, InferenceResult> answer) {
        replier = TestReplier.answering(companion, taskId, answer);
    }

    private static InferenceResult scored(InferenceRequest request) {
        List<Prediction> predictions = request.inputs().stream()
                .map(input -> new Prediction("positive", Map.of("positive", -0.25, "negative", -1.75), null))
                .toList();
        return new InferenceResult(Events.SCHEMA_VERSION, request.requestId(), request.taskId(),
                InferenceResult.Status.OK, predictions, null, "pgm-7", System.currentTimeMillis());
    }

    @Test
    void aTaskSetReadyInRedisIsPredictedThroughTheWorkerRoundTrip() {
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("positive", "negative"));
        startReplier(id, KafkaRoundTripTest::scored);
        api().contentType(ContentType.JSON).body("{\"inputs\": [\"what a film\", \"loved it\"]}")
                .when().post("/v1/tasks/" + id + "/predictions")
                .then().statusCode(200)
                .body("taskId", equalTo(id))
                .body("pgmVersion", equalTo("pgm-7"))
                .body("predictions.input", equalTo(List.of("what a film", "loved it")))
                .body("predictions[0].choice", equalTo("positive"))
                .body("predictions[0].scores.negative", equalTo(-1.75f));
    }

    @Test
    void aRegisteredTaskBecomesPredictableWhenThePromptGeneratorMarksItReady() {
        String id = TaskApiTest.register(TaskApiTest.SENTIMENT);
        TestRedis.setStatus(id, "ready", null);
        startReplier(id, KafkaRoundTripTest::scored);
        api().contentType(ContentType.JSON).body("{\"inputs\": [\"fine\"]}")
                .when().post("/v1/tasks/" + id + "/predictions")
                .then().statusCode(200).body("predictions[0].scores.positive", equalTo(-0.25f));
    }

    @Test
    void aWorkerFailureIs503WithRetryAfter() {
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("positive", "negative"));
        startReplier(id, r -> new InferenceResult(Events.SCHEMA_VERSION, r.requestId(), r.taskId(),
                InferenceResult.Status.FAILED, List.of(), "out of memory", null, 0L));
        TaskApiTest.problem(api().contentType(ContentType.JSON).body("{\"inputs\": [\"fine\"]}")
                        .when().post("/v1/tasks/" + id + "/predictions").then(), 503)
                .header("Retry-After", equalTo("2"))
                .body("detail", containsString("out of memory"));
    }

    /**
     * The limits the model sets (its positions) are the worker's to check: an input too long for the model comes back
     * INVALID with the worker's reason, and the client gets a 422 carrying it (no Retry-After: retrying cannot help).
     */
    @Test
    void anInputTheWorkerFindsInvalidIs422WithTheWorkersReason() {
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("positive", "negative"));
        startReplier(id, r -> new InferenceResult(Events.SCHEMA_VERSION, r.requestId(), r.taskId(),
                InferenceResult.Status.INVALID, List.of(), "inputs[0] needs 517 positions; the model has 256", null, 0L));
        TaskApiTest.problem(api().contentType(ContentType.JSON).body("{\"inputs\": [\"fine\"]}")
                        .when().post("/v1/tasks/" + id + "/predictions").then(), 422)
                .header("Retry-After", org.hamcrest.Matchers.nullValue())
                .body("detail", containsString("inputs[0] needs 517 positions; the model has 256"));
    }

    @Test
    void aWorkerThatDoesNotKnowTheTaskIs404() {
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("positive", "negative"));
        startReplier(id, r -> new InferenceResult(Events.SCHEMA_VERSION, r.requestId(), r.taskId(),
                InferenceResult.Status.NOT_FOUND, List.of(), "no prompt artifact", null, 0L));
        TaskApiTest.problem(api().contentType(ContentType.JSON).body("{\"inputs\": [\"fine\"]}")
                .when().post("/v1/tasks/" + id + "/predictions").then(), 404);
    }

    /**
     * Eight clients calling at once each get their own answer, every time: the replier scores each input by a number
     * in it, so a reply delivered to the wrong waiting call or a failed resume (500) shows. A call whose request the
     * replier answered within a second must never time out: with SmallRye's KafkaRequestReply about every other run
     * on 2 cores had one, its reply overtaking the producer's acknowledgement and dropped (SRMSG18282), which is why
     * the gateway now registers a request before sending it ({@link PendingReplies}). A 504 from real slowness is
     * retried once, as the API tells clients to, and at most 2 of 320 calls may need it.
     */
    @Test
    void concurrentCallsEachGetTheirOwnAnswer() throws Exception {
        String id = TestRedis.putReadyTask(TestRedis.TENANT, "PREFIX", List.of("positive", "negative"));
        Map<String, Long> reachedReplier = new java.util.concurrent.ConcurrentHashMap<>();   // input -> nanoTime
        startReplier(id, r -> {
            r.inputs().forEach(in -> reachedReplier.putIfAbsent(in, System.nanoTime()));
            return new InferenceResult(Events.SCHEMA_VERSION, r.requestId(), r.taskId(),
                    InferenceResult.Status.OK, r.inputs().stream().map(in -> new Prediction("positive",
                            Map.of("positive", -Double.parseDouble(in.substring(in.indexOf('#') + 1)), "negative", 0.5),
                            null)).toList(), null, "pgm-7", System.currentTimeMillis());
        });
        ExecutorService clients = Executors.newFixedThreadPool(8);
        AtomicInteger timeouts = new AtomicInteger();
        AtomicInteger lostReplies = new AtomicInteger();
        List<String> timedOut = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            List<Future<?>> calls = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                int client = c;
                calls.add(clients.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        int n = client * 1000 + i;
                        String body = "{\"inputs\": [\"call #" + n + "\"]}";
                        long sent = System.nanoTime();
                        var response = api().contentType(ContentType.JSON).body(body)
                                .when().post("/v1/tasks/" + id + "/predictions").then();
                        if (response.extract().statusCode() == 504) {
                            // as a client told "retry later" does; a systematic loss fails the bound below
                            timeouts.incrementAndGet();
                            Long reached = reachedReplier.get("call #" + n);
                            if (reached != null && reached - sent < 1_000_000_000L) {
                                lostReplies.incrementAndGet();   // answered at once, yet the client was told to retry
                            }
                            timedOut.add("call #" + n + ": 504 after " + (System.nanoTime() - sent) / 1_000_000
                                    + " ms; the request " + (reached == null ? "had not reached the replier"
                                    : "reached the replier " + (reached - sent) / 1_000_000 + " ms after sending"));
                            response = api().contentType(ContentType.JSON).body(body)
                                    .when().post("/v1/tasks/" + id + "/predictions").then();
                        }
                        response.statusCode(200).body("predictions[0].scores.positive", equalTo((float) -n));
                    }
                }));
            }
            for (Future<?> call : calls) {
                call.get();
            }
        } finally {
            clients.shutdownNow();
        }
        System.out.println("concurrent calls: " + timeouts.get() + " of 320 timed out (504) and were retried");
        timedOut.forEach(line -> System.out.println("  " + line));
        assertEquals(0, lostReplies.get(), "requests the replier answered within a second still timed out: their "
                + "results were dropped (a gateway must wait for a result from before it sends the request)");
        assertTrue(timeouts.get() <= 2, timeouts.get() + " of 320 calls timed out: the machine is too slow for this test");
    }
}
