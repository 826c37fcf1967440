package io.metalprompt.promptgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** Background work waits for a lull in generation, never longer than its patience; on a clock of its own. */
class GenerationActivityTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final GenerationActivity activity = new GenerationActivity(now::get,
            pause -> now.addAndGet(pause.toNanos()));

    @Test
    void anIdleGeneratorIsALullAtOnce() {
        long before = now.get();
        assertTrue(activity.awaitLull(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        assertEquals(before, now.get(), "no waiting");
    }

    @Test
    void aLullStartsWhenTheLastBatchEnds() {
        activity.begin();
        activity.end();
        long ended = now.get();
        assertTrue(activity.awaitLull(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        assertTrue(now.get() - ended >= Duration.ofSeconds(1).toNanos(), "waited out the second after the batch");
        assertTrue(now.get() - ended < Duration.ofMillis(1100).toNanos(), "and not much more");
    }

    @Test
    void aRunningBatchHoldsTheWaitUpToItsPatience() {
        activity.begin();
        long start = now.get();
        assertFalse(activity.awaitLull(Duration.ofSeconds(1), Duration.ofSeconds(30)), "no lull found");
        assertTrue(now.get() - start >= Duration.ofSeconds(30).toNanos());
        assertTrue(now.get() - start < Duration.ofMillis(30_100).toNanos(), "gives up at its patience");
        activity.end();
        assertFalse(activity.awaitLull(Duration.ofSeconds(1), Duration.ZERO), "just ended: no lull yet, no patience");
    }
}
