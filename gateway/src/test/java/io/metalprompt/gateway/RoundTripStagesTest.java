package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class RoundTripStagesTest {

    private static double millis(SimpleMeterRegistry registry, String stage) {
        return registry.get(RoundTripStages.NAME).tag("stage", stage).timer().totalTime(TimeUnit.MILLISECONDS);
    }

    @Test
    void eachStageIsTheTimeBetweenItsTwoMoments() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RoundTripStages stages = new RoundTripStages(registry);
        // sent at 1000 ms, acknowledged at 1002, written by the worker at 1010, handed over at 1013, resumed 0.5 ms later
        stages.record(1000, 1002, new PendingReplies.Reply("{}", 1010, 1013, 5_000_000), 5_500_000);
        assertEquals(2, millis(registry, "produce"), 1e-9);
        assertEquals(8, millis(registry, "worker"), 1e-9);
        assertEquals(3, millis(registry, "delivery"), 1e-9);
        assertEquals(0.5, millis(registry, "resume"), 1e-9);
    }

    @Test
    void aReplyThatOvertookTheAcknowledgementRecordsNoProduceOrWorkerStage() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RoundTripStages stages = new RoundTripStages(registry);
        stages.record(1000, 0, new PendingReplies.Reply("{}", 1010, 1013, 0), 1000);
        assertEquals(0, registry.get(RoundTripStages.NAME).tag("stage", "produce").timer().count());
        assertEquals(1, registry.get(RoundTripStages.NAME).tag("stage", "delivery").timer().count());
    }
}
