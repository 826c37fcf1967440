package io.metalprompt.gateway;

import java.time.Duration;

import io.smallrye.reactive.messaging.kafka.KafkaClientService;

/**
 * The gateway's consumer of {@code metal.inference-results} as the tests see it: it reads from the latest offset, so
 * a test that answers predictions waits until it has its partitions, or the first results would be missed.
 */
final class ResultsConsumer {

    private ResultsConsumer() {
    }

    /** Waits until the consumer of {@link Channels#INFERENCE_RESULTS} has partitions assigned. */
    static void awaitAssignment(KafkaClientService kafka, Duration atMost) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (true) {
            var consumer = kafka.getConsumer(Channels.INFERENCE_RESULTS);
            if (consumer != null && !consumer.getAssignments().await().atMost(atMost).isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the result consumer has no partitions after " + atMost);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
