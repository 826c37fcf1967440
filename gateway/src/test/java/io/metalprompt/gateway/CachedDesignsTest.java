package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.PromptDesign;

class CachedDesignsTest {

    private final AtomicLong now = new AtomicLong();
    private final AtomicInteger reads = new AtomicInteger();
    private Optional<Set<PromptDesign>> stored = Optional.of(Set.of(PromptDesign.PREFIX));
    private boolean down;

    private final CachedDesigns designs = new CachedDesigns(() -> {
        reads.incrementAndGet();
        if (down) {
            throw new IllegalStateException("Redis down");
        }
        return stored;
    }, Duration.ofSeconds(5), now::get);

    @Test
    void readsOncePerRefreshAndNeverKeepsAFailure() {
        assertEquals(Optional.of(Set.of(PromptDesign.PREFIX)), designs.get());
        stored = Optional.of(Set.of(PromptDesign.DISCRETE));
        now.set(Duration.ofSeconds(4).toNanos());
        assertEquals(Optional.of(Set.of(PromptDesign.PREFIX)), designs.get(), "still within the refresh");
        assertEquals(1, reads.get());
        now.set(Duration.ofSeconds(5).toNanos());
        assertEquals(Optional.of(Set.of(PromptDesign.DISCRETE)), designs.get());
        assertEquals(2, reads.get());

        down = true;
        now.set(Duration.ofSeconds(10).toNanos());
        assertThrows(IllegalStateException.class, designs::get);
        down = false;
        stored = Optional.empty();
        assertEquals(Optional.empty(), designs.get(), "the next call reads again");
        assertEquals(4, reads.get());
    }
}
