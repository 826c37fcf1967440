package io.metalprompt.promptgen;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Whether this replica is generating registrations' prompts, so that background work on the same device (version 1's
 * quality report, {@link FirstReports}) waits for a lull instead of slowing a burst of registrations down: a batch
 * is {@link #begin begun} and {@link #end ended} by the registration consumer; {@link #awaitLull} waits until no batch
 * has run for a while, or for at most a bound. Thread-safe.
 */
public final class GenerationActivity {

    /** Sleeps; {@link Thread#sleep(long)} in production. */
    public interface Sleeper {
        void sleep(Duration pause) throws InterruptedException;
    }

    private static final Duration STEP = Duration.ofMillis(50);

    private final LongSupplier nanos;
    private final Sleeper sleeper;
    private int running;        // guarded by this
    private long lastEnd;       // guarded by this

    public GenerationActivity() {
        this(System::nanoTime, pause -> Thread.sleep(pause.toMillis()));
    }

    GenerationActivity(LongSupplier nanos, Sleeper sleeper) {
        this.nanos = nanos;
        this.sleeper = sleeper;
        this.lastEnd = nanos.getAsLong() - Long.MAX_VALUE / 2;   // idle since long ago
    }

    /** A batch of registrations starts being handled. */
    public synchronized void begin() {
        running++;
    }

    /** ... and is handled (its events may still be on their way to the broker). */
    public synchronized void end() {
        running = Math.max(0, running - 1);
        lastEnd = nanos.getAsLong();
    }

    /** Nanoseconds since the last batch ended; 0 while one runs. */
    private synchronized long idleNanos() {
        return running > 0 ? 0 : nanos.getAsLong() - lastEnd;
    }

    /**
     * Returns once no batch has run for {@code lull}, or after {@code patience} in any case (so that background work
     * is delayed by a burst, never starved by a steady stream); true when a lull was found. An interrupt ends the wait.
     */
    public boolean awaitLull(Duration lull, Duration patience) {
        long deadline = nanos.getAsLong() + patience.toNanos();
        while (true) {
            long idle = idleNanos();
            if (idle >= lull.toNanos()) {
                return true;
            }
            long left = deadline - nanos.getAsLong();
            if (left <= 0) {
                return false;
            }
            long pause = Math.min(Math.min(left, lull.toNanos() - idle), STEP.toNanos());
            try {
                sleeper.sleep(Duration.ofNanos(Math.max(pause, 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
