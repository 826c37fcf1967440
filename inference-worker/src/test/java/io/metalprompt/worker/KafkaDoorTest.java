package io.metalprompt.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.BeforeAll;
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
import io.metalprompt.testing.KafkaTest;
import io.metalprompt.testing.TestInfrastructure;
import io.metalprompt.testing.TinyModels;
import io.metalprompt.testing.TinyModelsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/**
 * The worker's Kafka door over a real broker (issue 19): a request whose reply cannot be written is dead-lettered with
 * its headers at once and the worker goes on; an undecodable request whose ids are readable is answered INVALID; a
 * task id of another format is INVALID before any store sees it; a result larger than its reply topic takes is
 * answered INVALID instead of being sent. Everything is read {@code read_committed}: what the batch's transaction
 * committed, once.
 */
@QuarkusTest
@QuarkusTestResource(value = TinyModelsTestResource.class, restrictToAnnotatedClass = false,
        initArgs = @ResourceArg(name = "pgm", value = "false"))
class KafkaDoorTest extends KafkaTest {

    /** An allowed reply topic (application.properties, %test) whose records may have at most 4000 bytes. */
    static final String SMALL_REPLIES = "metal.test.small-replies";
    private static final String DLQ = Topics.deadLetter(Topics.INFERENCE_REQUESTS);

    @Inject
    TaskStore store;

    @Inject
    TaskPrompts prompts;

    @Inject
    LanguageModel model;

    @Inject
    LmTokenizer tokenizer;

    @BeforeAll
    static void smallReplyTopic() throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.get().kafkaBootstrap());
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(SMALL_REPLIES, 1, (short) 1)
                    .configs(Map.of("max.message.bytes", "4000")))).all().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    @Override
    protected ConsumerRecord<String, String> first(String topic, java.util.function.Predicate<ConsumerRecord<String, String>> which) {
        return records(topic, which, 1, IsolationLevel.READ_COMMITTED).get(0);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A request record with the gateway's reply headers, the reply topic being {@code replyTopic}. */
    private static ProducerRecord<String, String> record(String key, String value, String requestId, String replyTopic) {
        ProducerRecord<String, String> r = new ProducerRecord<>(Topics.INFERENCE_REQUESTS, key, value);
        r.headers().add(new RecordHeader(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER, utf8(requestId)));
        r.headers().add(new RecordHeader(KafkaRequestReply.DEFAULT_REPLY_TOPIC_HEADER, utf8(replyTopic)));
        return r;
    }

    private static ProducerRecord<String, String> record(InferenceRequest req, String replyTopic) {
        return record(req.taskId(), EventCodec.encodeToString(req), req.requestId(), replyTopic);
    }

    private static InferenceRequest request(String taskId, String... inputs) {
        return new InferenceRequest(1, UUID.randomUUID().toString(), taskId, "acme", List.of(inputs), 0);
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private InferenceResult result(String topic, String requestId) {
        ConsumerRecord<String, String> reply = first(topic,
                r -> requestId.equals(header(r, KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER)));
        InferenceResult result = EventCodec.decode(reply.value(), InferenceResult.class);
        assertEquals(requestId, result.requestId());
        return result;
    }

    @Test
    void aReplyTopicThatDoesNotExistIsDeadLetteredAtOnceAndTheRequestsAfterItAreAnswered() {
        // the reproduction: REPLY_TOPIC names a topic that does not exist (the producer would wait for its
        // metadata a minute per attempt, holding every other reply); then requests of other tasks, other partitions
        String poisonTask = UUID.randomUUID().toString();
        InferenceRequest poison = request(poisonTask, "dog");
        List<InferenceRequest> after = new ArrayList<>();
        List<ProducerRecord<String, String>> records = new ArrayList<>(List.of(record(poison, "metal.does-not-exist")));
        for (int i = 0; i < 6; i++) {
            InferenceRequest r = request(UUID.randomUUID().toString(), "dog");
            after.add(r);
            records.add(record(r, Topics.INFERENCE_RESULTS));
        }
        companion.produceStrings().fromRecords(records).awaitCompletion();

        ConsumerRecord<String, String> dead = first(DLQ, r -> poisonTask.equals(r.key()));
        assertEquals(EventCodec.encodeToString(poison), dead.value(), "the original record");
        assertEquals(poison.requestId(), header(dead, KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER));
        assertEquals("metal.does-not-exist", header(dead, KafkaRequestReply.DEFAULT_REPLY_TOPIC_HEADER));
        assertTrue(header(dead, DeadLetter.REASON).contains("'metal.does-not-exist' is not one this worker answers on"),
                header(dead, DeadLetter.REASON));
        assertEquals(Topics.INFERENCE_REQUESTS, header(dead, DeadLetter.TOPIC));
        assertNotNull(header(dead, DeadLetter.OFFSET));
        for (InferenceRequest r : after) {
            ConsumerRecord<String, String> reply = first(Topics.INFERENCE_RESULTS,
                    rec -> r.requestId().equals(header(rec, KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER)));
            assertEquals(InferenceResult.Status.NOT_FOUND, EventCodec.decode(reply.value(), InferenceResult.class).status());
            // the worker's own clock: the reply was written seconds, not minutes, after the request
            long millis = reply.timestamp() - dead.timestamp();
            assertTrue(millis < 10_000, "answered " + millis + " ms after the poison record was dead-lettered");
        }
        assertEquals(1, records(DLQ, r -> poisonTask.equals(r.key()), 1, IsolationLevel.READ_COMMITTED).size());
    }

    @Test
    void aForbiddenTopicOrAPartitionItDoesNotHaveIsDeadLetteredNotWritten() {
        String task = UUID.randomUUID().toString();
        InferenceRequest toRegistrations = request(task, "dog");
        InferenceRequest badPartition = request(task, "cat");
        ProducerRecord<String, String> p = record(badPartition, Topics.INFERENCE_RESULTS);
        p.headers().add(new RecordHeader(KafkaRequestReply.DEFAULT_REPLY_PARTITION_HEADER,
                KafkaRequestReply.replyPartitionToBytes(99)));
        InferenceRequest next = request(task, "bird");
        companion.produceStrings().fromRecords(record(toRegistrations, Topics.TASK_REGISTRATIONS), p,
                record(next, Topics.INFERENCE_RESULTS)).awaitCompletion();

        List<ConsumerRecord<String, String>> dead = records(DLQ, r -> task.equals(r.key()), 2, IsolationLevel.READ_COMMITTED);
        assertTrue(header(dead.get(0), DeadLetter.REASON).contains("'" + Topics.TASK_REGISTRATIONS
                + "' is not one this worker answers on"), header(dead.get(0), DeadLetter.REASON));
        assertTrue(header(dead.get(1), DeadLetter.REASON).contains("REPLY_PARTITION 99 is not a partition"),
                header(dead.get(1), DeadLetter.REASON));
        assertEquals(badPartition.requestId(), header(dead.get(1), KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER));
        assertEquals(InferenceResult.Status.NOT_FOUND, result(Topics.INFERENCE_RESULTS, next.requestId()).status(),
                "the request after them, same partition, is served");
    }

    @Test
    void anUndecodableRequestWhoseIdsAreReadableIsAnsweredInvalidAndDeadLettered() {
        String task = UUID.randomUUID().toString();
        String requestId = UUID.randomUUID().toString();
        String body = "{\"schemaVersion\":1,\"requestId\":\"" + requestId + "\",\"taskId\":\"" + task
                + "\",\"tenant\":\"acme\",\"inputs\":[],\"deadlineEpochMillis\":0}";
        companion.produceStrings().fromRecords(record(task, body, requestId, Topics.INFERENCE_RESULTS)).awaitCompletion();

        InferenceResult answer = result(Topics.INFERENCE_RESULTS, requestId);
        assertEquals(InferenceResult.Status.INVALID, answer.status());
        assertEquals(task, answer.taskId());
        assertTrue(answer.error().contains("inputs must not be empty"), answer.error());
        ConsumerRecord<String, String> dead = first(DLQ, r -> task.equals(r.key()));
        assertEquals(body, dead.value());
        assertEquals(requestId, header(dead, KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER),
                "the dead letter keeps its correlation id");
    }

    @Test
    void aTaskIdNotOfTheIssuedFormatIsInvalidAndNeverAKey() {
        TaskRegistered task = new TaskRegistered(1, UUID.randomUUID().toString(), "acme",
                List.of(new Example("a dog", "good"), new Example("a cat", "bad")), List.of("good", "bad"),
                PromptDesign.PREFIX, 0, Instant.now());
        store.register(task);
        // the oracle: metal:task:<id>:registration is a string key; as a task hash it was WRONGTYPE (FAILED)
        // when the task existed and NOT_FOUND when not
        for (String id : List.of(task.taskId() + ":registration", task.taskId() + ":prompts", UUID.randomUUID() + ":x")) {
            InferenceRequest req = new InferenceRequest(1, UUID.randomUUID().toString(), id, "intruder", List.of("dog"), 0);
            companion.produceStrings().fromRecords(record(req, Topics.INFERENCE_RESULTS)).awaitCompletion();
            InferenceResult answer = result(Topics.INFERENCE_RESULTS, req.requestId());
            assertEquals(InferenceResult.Status.INVALID, answer.status(), id);
            assertTrue(answer.error().contains("is not a task id: it must be a lower-case UUID"), answer.error());
        }
    }

    @Test
    void anInputOfOnlyNoBreakSpacesIsInvalidNotAServerError() {
        // the issue: such an input was answered 503 with Retry-After, though retrying can never succeed
        InferenceRequest req = request(UUID.randomUUID().toString(), "a dog", "\u00a0\u00a0\u00a0");
        companion.produceStrings().fromRecords(record(req, Topics.INFERENCE_RESULTS)).awaitCompletion();
        InferenceResult answer = result(Topics.INFERENCE_RESULTS, req.requestId());
        assertEquals(InferenceResult.Status.INVALID, answer.status());
        assertEquals("input 1 is empty: it has only spaces or invisible characters", answer.error());
    }

    @Test
    void aResultLargerThanItsReplyTopicTakesIsAnsweredInvalidInstead() {
        TaskRegistered task = readyTask();
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            inputs.add("a happy dog number " + i);
        }
        InferenceRequest small = request(task.taskId(), "a happy cat");
        InferenceRequest large = new InferenceRequest(1, UUID.randomUUID().toString(), task.taskId(), "acme", inputs, 0);
        companion.produceStrings().fromRecords(record(large, SMALL_REPLIES), record(small, SMALL_REPLIES)).awaitCompletion();

        InferenceResult refused = result(SMALL_REPLIES, large.requestId());
        assertEquals(InferenceResult.Status.INVALID, refused.status());
        assertTrue(refused.error().matches("the result is \\d+ bytes, more than the \\d+ a reply may carry: send fewer"
                + " inputs per request \\(this one has 64 inputs of 2 options each; about \\d+ fit\\)"), refused.error());
        InferenceResult served = result(SMALL_REPLIES, small.requestId());
        assertEquals(InferenceResult.Status.OK, served.status(), served.error());
    }

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
}
