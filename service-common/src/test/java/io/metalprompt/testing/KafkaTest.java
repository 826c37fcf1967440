package io.metalprompt.testing;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/**
 * Base of the service tests that talk to the test broker ({@link TestInfrastructure}): a {@link KafkaCompanion}
 * for each test, and reading records back from a topic.
 */
public abstract class KafkaTest {

    /** How long a test waits for the records it reads. */
    protected static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    protected KafkaCompanion companion;

    @BeforeEach
    void connectToKafka() {
        companion = new KafkaCompanion(TestInfrastructure.get().kafkaBootstrap(), Duration.ofSeconds(30));
    }

    @AfterEach
    void closeKafka() {
        companion.close();
    }

    /** Records whose key is {@code key}. */
    protected static Predicate<ConsumerRecord<String, String>> withKey(String key) {
        return r -> key.equals(r.key());
    }

    /** The first record of {@code topic} that {@code which} accepts. */
    protected ConsumerRecord<String, String> first(String topic, Predicate<ConsumerRecord<String, String>> which) {
        return records(topic, which, 1, IsolationLevel.READ_UNCOMMITTED).get(0);
    }

    /**
     * The first {@code count} records of {@code topic} that {@code which} accepts, read from the topic's beginning in a
     * consumer group of their own; with {@code READ_COMMITTED}, a record written in a transaction only once it committed.
     */
    protected List<ConsumerRecord<String, String>> records(String topic, Predicate<ConsumerRecord<String, String>> which,
                                                           int count, IsolationLevel isolation) {
        return companion.consumeStrings().withGroupId("it-" + UUID.randomUUID())
                .withOffsetReset(OffsetResetStrategy.EARLIEST)
                .withIsolationLevel(isolation)
                .fromTopics(topic, m -> m.filter(which::test))
                .awaitRecords(count, READ_TIMEOUT)
                .getRecords();
    }
}
