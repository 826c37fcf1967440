package io.metalprompt.gateway;

import static io.metalprompt.gateway.TaskApiTest.api;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.TaskDeleted;
import io.metalprompt.events.TaskEvent;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.testing.KafkaRedisTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySink;

/** The task-event channel's logic (body, key) with the channel switched to SmallRye's in-memory connector. */
@QuarkusTest
@TestProfile(TaskEventsInMemoryTest.InMemoryRegistrations.class)
class TaskEventsInMemoryTest {

    public static class InMemoryRegistrations implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KafkaRedisTestResource.class), new TestResourceEntry(SwitchChannel.class));
        }
    }

    public static class SwitchChannel implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            return new HashMap<>(InMemoryConnector.switchOutgoingChannelsToInMemory(Channels.TASK_REGISTRATIONS));
        }

        @Override
        public void stop() {
            InMemoryConnector.clear();
        }
    }

    @Inject
    @Any
    InMemoryConnector connector;

    private static String key(Message<String> message) {
        return (String) message.getMetadata(OutgoingKafkaRecordMetadata.class).orElseThrow().getKey();
    }

    @Test
    void registerEmitsTaskRegisteredKeyedByTaskId() {
        InMemorySink<String> sink = connector.sink(Channels.TASK_REGISTRATIONS);
        sink.clear();
        String id = TaskApiTest.register(TaskApiTest.SENTIMENT.replace("]}", "], \"design\": \"DISCRETE\", \"demonstrations\": 1}"));
        Message<String> message = sink.received().get(0);
        assertEquals(id, key(message));
        TaskRegistered event = assertInstanceOf(TaskRegistered.class, EventCodec.decode(message.getPayload(), TaskEvent.class));
        assertEquals("DISCRETE", event.design().name());
        assertEquals(1, event.demonstrations());
        assertEquals(TestRedis.TENANT, event.tenant());
    }

    @Test
    void deleteEmitsTaskDeletedKeyedByTaskId() {
        InMemorySink<String> sink = connector.sink(Channels.TASK_REGISTRATIONS);
        String id = TaskApiTest.register(TaskApiTest.SENTIMENT);
        sink.clear();
        api().when().delete("/v1/tasks/" + id).then().statusCode(204);
        Message<String> message = sink.received().get(0);
        assertEquals(id, key(message));
        assertInstanceOf(TaskDeleted.class, EventCodec.decode(message.getPayload(), TaskEvent.class));
    }
}
