package io.metalprompt.worker;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The worker's serving metrics, per batch and per request (names and meaning: docs/observability.md). */
public final class ServingMetrics {

    private static final double[] SIZES = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};

    private final MeterRegistry registry;
    private final Timer batch;
    private final DistributionSummary batchRequests;
    private final DistributionSummary batchInputs;
    private final Timer wait;
    private final Counter deadLetters;
    private final Timer commit;
    /** The answered counter per status, looked up once (not per request on the serving thread). */
    private final Map<InferenceResult.Status, Counter> answered = new ConcurrentHashMap<>();

    public ServingMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.batch = Timer.builder("metal.worker.batch")
                .description("Serving one batch of requests: task lookups, prefixes, the batched forward passes")
                .publishPercentileHistogram().register(registry);
        this.batchRequests = DistributionSummary.builder("metal.worker.batch.requests")
                .description("Requests served together in one batch").serviceLevelObjectives(SIZES).register(registry);
        this.batchInputs = DistributionSummary.builder("metal.worker.batch.inputs")
                .description("Inputs (queries) scored in one batch, over all its requests").serviceLevelObjectives(SIZES)
                .register(registry);
        this.wait = Timer.builder("metal.worker.request.wait")
                .description("From a request record's timestamp (its producer's clock) to the start of the batch serving it")
                .publishPercentileHistogram().register(registry);
        this.commit = Timer.builder("metal.worker.commit")
                .description("One results transaction's commit, from its offsets handed to the producer to the "
                        + "commit acknowledged (its batches' replies were sent as each was served)")
                .register(registry);
        this.deadLetters = Counter.builder("metal.worker.dead.letters")
                .description("Request records written to metal.inference-requests.dlq").register(registry);
    }

    /** A request whose record was stamped at {@code recordMillis} starts being served at {@code nowMillis}. */
    public void waited(long recordMillis, long nowMillis) {
        wait.record(Duration.ofMillis(Math.max(0, nowMillis - recordMillis)));
    }

    /** A batch of {@code requests} was answered with {@code results} in {@code nanos}. */
    public void served(List<InferenceRequest> requests, List<InferenceResult> results, long nanos) {
        batch.record(Duration.ofNanos(nanos));
        batchRequests.record(requests.size());
        batchInputs.record(requests.stream().mapToInt(r -> r.inputs().size()).sum());
        results.forEach(this::answered);
    }

    /** A batch's transaction committed {@code nanos} after its records were handed to it. */
    public void committed(long nanos) {
        commit.record(Duration.ofNanos(nanos));
    }

    /** A request refused at the door was answered with {@code result} (not served: no batch, no wait recorded). */
    public void refused(InferenceResult result) {
        answered(result);
    }

    /** A request record went to the dead-letter topic. */
    public void deadLettered() {
        deadLetters.increment();
    }

    private void answered(InferenceResult r) {
        answered.computeIfAbsent(r.status(), status -> Counter.builder("metal.worker.requests")
                .description("Requests answered, by result status")
                .tag("status", status.name().toLowerCase(Locale.ROOT)).register(registry)).increment();
    }
}
