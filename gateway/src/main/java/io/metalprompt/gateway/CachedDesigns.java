package io.metalprompt.gateway;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.metalprompt.events.PromptDesign;

/**
 * The designs the prompt-generators serve ({@link io.metalprompt.store.ServedDesigns}), read again at most once per
 * {@code metal.gateway.served-designs-refresh} so a burst of registrations costs one Redis read; plain Java, the
 * clock is a parameter. A failed read is not cached: the caller sees it (503) and the next call reads again.
 */
final class CachedDesigns implements Supplier<Optional<Set<PromptDesign>>> {

    private final Supplier<Optional<Set<PromptDesign>>> source;
    private final long refreshNanos;
    private final LongSupplier nanoTime;
    private Optional<Set<PromptDesign>> value;   // guarded by this; null until read
    private long readAt;

    CachedDesigns(Supplier<Optional<Set<PromptDesign>>> source, Duration refresh, LongSupplier nanoTime) {
        this.source = source;
        this.refreshNanos = refresh.toNanos();
        this.nanoTime = nanoTime;
    }

    @Override
    public synchronized Optional<Set<PromptDesign>> get() {
        long now = nanoTime.getAsLong();
        if (value == null || now - readAt >= refreshNanos) {
            value = source.get();
            readAt = now;
        }
        return value;
    }
}
