package io.metalprompt.worker;

import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Liveness of the transactional results producer. A transaction that fails with a fatal producer error (fenced, an
 * invalid transaction state or epoch, or the client's "in an error state", which it keeps answering to every later
 * transaction) leaves the producer unusable for the life of the process: every batch would be read, scored and
 * rejected again while the worker keeps its partitions and looks healthy (found by {@code GatewayFaultsIT} after a
 * 40 s broker outage). The worker then reports itself not live, so that Kubernetes restarts it and its partitions move
 * to a worker that can answer. Any failure that is not fatal (an abortable error, a timeout) and any committed
 * transaction keep it live.
 */
@Liveness
@ApplicationScoped
public class ResultsProducerHealth implements HealthCheck {

    private final AtomicReference<String> fatal = new AtomicReference<>();

    /** A batch's transaction committed. */
    void committed() {
        fatal.set(null);
    }

    /** A batch's transaction failed with {@code failure}. */
    void failed(Throwable failure) {
        if (isFatal(failure)) {
            fatal.set(String.valueOf(failure));
        }
    }

    /** The serving loop stopped for good with {@code failure}: nothing answers requests any more. */
    void stopped(Throwable failure) {
        fatal.set("the serving loop stopped: " + failure);
    }

    static boolean isFatal(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ProducerFencedException || t instanceof InvalidTxnStateException
                    || t instanceof InvalidProducerEpochException) {
                return true;
            }
            if (t instanceof KafkaException && String.valueOf(t.getMessage()).contains("in an error state")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public HealthCheckResponse call() {
        String error = fatal.get();
        return error == null
                ? HealthCheckResponse.named("results-producer").up().build()
                : HealthCheckResponse.named("results-producer").down().withData("error", error).build();
    }
}
