package io.metalprompt.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeoutException;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.eclipse.microprofile.health.HealthCheckResponse.Status;
import org.junit.jupiter.api.Test;

/** The worker stops being live when its transactional producer can no longer commit, and only then. */
class ResultsProducerHealthTest {

    private final ResultsProducerHealth health = new ResultsProducerHealth();

    @Test
    void aProducerInTheClientsErrorStateIsNotLive() {
        health.failed(new RuntimeException("batch failed", new KafkaException(
                "Cannot execute transactional method because we are in an error state")));
        assertEquals(Status.DOWN, health.call().getStatus());
    }

    @Test
    void aFencedProducerOrAnInvalidTransactionStateIsNotLive() {
        health.failed(new ProducerFencedException("fenced"));
        assertEquals(Status.DOWN, health.call().getStatus());
        health.committed();
        health.failed(new InvalidTxnStateException("invalid"));
        assertEquals(Status.DOWN, health.call().getStatus());
    }

    @Test
    void aTimeoutOrAnAbortableErrorLeavesItLive() {
        health.failed(new KafkaException("the transaction was aborted", new TimeoutException("60000 ms")));
        assertEquals(Status.UP, health.call().getStatus());
    }

    @Test
    void aCommittedTransactionMakesItLiveAgain() {
        health.failed(new ProducerFencedException("fenced"));
        health.committed();
        assertEquals(Status.UP, health.call().getStatus());
    }
}
