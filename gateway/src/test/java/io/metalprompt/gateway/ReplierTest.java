package io.metalprompt.gateway;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.eclipse.microprofile.health.Readiness;

import io.metalprompt.testing.KafkaTest;

/**
 * Base of the gateway tests whose predictions make the round trip over the broker: the gateway's results consumer
 * is assigned before each test, and the {@link TestReplier} a test starts is stopped after it.
 */
abstract class ReplierTest extends KafkaTest {

    @Inject
    @Readiness   // a health check's qualifier
    ReplyConsumerService replies;

    protected TestReplier replier;

    @BeforeEach
    void awaitResultsConsumer() {
        ResultsConsumer.awaitAssignment(replies, Duration.ofSeconds(60));
    }

    @AfterEach
    void stopReplier() {
        if (replier != null) {
            replier.close();
        }
    }
}
