package io.metalprompt.gateway;

import java.time.Duration;

/**
 * The gateway's consumer of {@code metal.inference-results} as the tests see it: it reads from the latest offset, so
 * a test that answers predictions waits until it has its partitions, or the first results would be missed.
 */
final class ResultsConsumer {

    private ResultsConsumer() {
    }

    /** Waits until the gateway's {@link ReplyConsumer} has partitions assigned. */
    static void awaitAssignment(ReplyConsumerService replies, Duration atMost) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (!replies.assigned()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the reply consumer has no partitions after " + atMost);
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
