package io.metalprompt.promptgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Example;
import io.metalprompt.events.PromptEvent;
import io.metalprompt.events.PromptReady;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.events.Topics;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.testing.TestInfrastructure;
import io.metalprompt.testing.TinyModelsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/** Over a real broker: a registration record in, a prompt event out; a poison record to the dead-letter topic. */
@QuarkusTest
@QuarkusTestResource(value = TinyModelsTestResource.class, restrictToAnnotatedClass = false)
class RegistrationRoundTripTest {

    private KafkaCompanion companion;

    @BeforeEach
    void connect() {
        companion = new KafkaCompanion(TestInfrastructure.get().kafkaBootstrap(), Duration.ofSeconds(30));
    }

    @AfterEach
    void close() {
        companion.close();
    }

    private ConsumerRecord<String, String> first(String topic, String key) {
        return companion.consumeStrings().withGroupId("it-" + UUID.randomUUID())
                .withOffsetReset(OffsetResetStrategy.EARLIEST)
                .fromTopics(topic, m -> m.filter(r -> key.equals(r.key())))
                .awaitRecords(1, Duration.ofSeconds(60))
                .getFirstRecord();
    }

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
        ConsumerRecord<String, String> event = first(Topics.PROMPT_EVENTS, t.taskId());
        PromptReady ready = assertInstanceOf(PromptReady.class, EventCodec.decode(event.value(), PromptEvent.class));
        assertEquals(t.taskId(), ready.taskId());
        assertEquals(PromptDesign.DISCRETE, ready.design());
    }

    @Test
    void poisonRecordGoesToTheDeadLetterTopicAndTheConsumerGoesOn() {
        String poisonKey = "poison-" + UUID.randomUUID();
        companion.produceStrings().fromRecords(
                new ProducerRecord<>(Topics.TASK_REGISTRATIONS, poisonKey, "{\"type\":\"TaskRegistered\",\"schemaVersion\":1"));
        ConsumerRecord<String, String> dead = first(Topics.deadLetter(Topics.TASK_REGISTRATIONS), poisonKey);
        assertTrue(dead.value().startsWith("{\"type\""), dead.value());
        assertTrue(dead.headers().lastHeader("dead-letter-reason") != null, "the reason travels with the record");

        TaskRegistered next = registration();
        companion.produceStrings().fromRecords(
                new ProducerRecord<>(Topics.TASK_REGISTRATIONS, next.taskId(), EventCodec.encodeToString(next)));
        first(Topics.PROMPT_EVENTS, next.taskId());
    }
}
