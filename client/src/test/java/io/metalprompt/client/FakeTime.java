package io.metalprompt.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The retries' clock and sleep, without waiting: every sleep is recorded and moves the clock on by as much. */
final class FakeTime implements Transport.Time {

    private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
    private volatile long offset;

    @Override
    public long nanoTime() {
        return System.nanoTime() + offset;
    }

    @Override
    public void sleep(Duration d) {
        sleeps.add(d);
        offset += d.toNanos();
    }

    List<Duration> sleeps() {
        return List.copyOf(sleeps);
    }
}
