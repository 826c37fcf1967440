package io.metalprompt.promptgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Example;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.PromptEvent;
import io.metalprompt.events.PromptReady;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.events.Topics;
import io.metalprompt.testing.KafkaTest;
import io.metalprompt.testing.TinyModelsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Over a real broker: a registration record in, a prompt event out; a poison record to the dead-letter topic. */
@QuarkusTest
@QuarkusTestResource(value = TinyModelsTestResource.class, restrictToAnnotatedClass = false)
class RegistrationRoundTripTest extends KafkaTest {

    /** The generation group (application.properties). */
    private static final String GROUP = "metal-prompt-generator";

    private static TaskRegistered registration() {
        return new TaskRegistered(1, UUID.randomUUID().toString(), "acme",
                List.of(new Example("a happy dog", "good"), new Example("a sad cat", "bad")), List.of("good", "bad"),
                PromptDesign.DISCRETE, 0, Instant.now());
    }

    @Test
    void registrationRecordBecomesAPromptReadyEventKeyedByTask() {
        TaskRegistered t = registration();
        companion.produceStrings().fromRecords(
                new ProducerRecord<>(Topics.TASK_REGISTRATIONS, t.taskId(), EventCodec.encodeToString(t)));
        ConsumerRecord<String, String> event = first(Topics.PROMPT_EVENTS, withKey(t.taskId()));
        PromptReady ready = assertInstanceOf(PromptReady.class, EventCodec.decode(event.value(), PromptEvent.class));
        assertEquals(t.taskId(), ready.taskId());
        assertEquals(PromptDesign.DISCRETE, ready.design());
    }

    @Test
    void poisonRecordGoesToTheDeadLetterTopicAndTheConsumerGoesOn() {
        String poisonKey = "poison-" + UUID.randomUUID();
        companion.produceStrings().fromRecords(
                new ProducerRecord<>(Topics.TASK_REGISTRATIONS, poisonKey, "{\"type\":\"TaskRegistered\",\"schemaVersion\":1"));
        ConsumerRecord<String, String> dead = first(Topics.deadLetter(Topics.TASK_REGISTRATIONS), withKey(poisonKey));
        assertTrue(dead.value().startsWith("{\"type\""), dead.value());
        assertTrue(dead.headers().lastHeader("dead-letter-reason") != null, "the reason travels with the record");

        TaskRegistered next = registration();
        companion.produceStrings().fromRecords(
                new ProducerRecord<>(Topics.TASK_REGISTRATIONS, next.taskId(), EventCodec.encodeToString(next)));
        first(Topics.PROMPT_EVENTS, withKey(next.taskId()));
    }

    @Test
    void aHandledBatchIsCommittedSoThatARestartDoesNotReadItAgain() throws Exception {
        TaskRegistered t = registration();
        companion.produceStrings().fromRecords(
                new ProducerRecord<>(Topics.TASK_REGISTRATIONS, 0, t.taskId(), EventCodec.encodeToString(t)));
        first(Topics.PROMPT_EVENTS, withKey(t.taskId()));
        TopicPartition p0 = new TopicPartition(Topics.TASK_REGISTRATIONS, 0);
        try (Admin admin = Admin.create(java.util.Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                companion.getBootstrapServers()))) {
            long end = admin.listOffsets(java.util.Map.of(p0, OffsetSpec.latest())).partitionResult(p0).get().offset();
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
            long committed = -1;
            while (committed < end && System.nanoTime() < deadline) {
                OffsetAndMetadata o = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get().get(p0);
                committed = o == null ? -1 : o.offset();
                Thread.sleep(250);
            }
            assertEquals(end, committed, "the group's committed offset passes every handled record of the partition");
        }
    }
}
