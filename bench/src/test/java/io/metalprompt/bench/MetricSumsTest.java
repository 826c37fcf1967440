package io.metalprompt.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** A cell's means and counts are what its own requests added to the services' meters, not what came before. */
class MetricSumsTest {

    @Test
    void meansAndCountsCoverOnlyWhatHappenedBetweenTwoReadings() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Timer batch = registry.timer("metal.worker.batch");
        Timer commit = registry.timer("metal.worker.commit");
        batch.record(Duration.ofMillis(100));
        commit.record(Duration.ofMillis(100));
        MetricSums before = MetricSums.of(registry);
        batch.record(Duration.ofMillis(10));
        batch.record(Duration.ofMillis(20));
        batch.record(Duration.ofMillis(30));
        commit.record(Duration.ofMillis(8));
        MetricSums after = MetricSums.of(registry);

        assertEquals(20.0, after.mean(before, MetricSums.Series.BATCH_SECONDS, 1000), 1e-9);
        assertEquals(3.0, after.count(before, MetricSums.Series.BATCH_SECONDS), 1e-9);
        Cell.Stages stages = Cell.Stages.between(before, after);
        assertEquals(3.0, stages.batchesPerCommit(), 1e-9, "three batches, one transaction");
        assertEquals(8.0, stages.commit(), 1e-9);
        assertTrue(Double.isNaN(stages.roundTrip()), "the gateway's meters are not in the worker's registry");
    }
}
