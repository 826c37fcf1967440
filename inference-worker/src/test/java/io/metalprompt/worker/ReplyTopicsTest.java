package io.metalprompt.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class ReplyTopicsTest {

    @Test
    void anAnswerIsKeptForItsTimeToLiveAndNoAnswerIsNotKept() {
        AtomicLong now = new AtomicLong();
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger partitions = new AtomicInteger(6);
        ReplyTopics topics = new ReplyTopics(topic -> {
            calls.incrementAndGet();
            if (partitions.get() < 0) {
                throw new ReplyTopics.Unavailable("down", null);
            }
            return new ReplyTopics.Info(true, partitions.get(), true, OptionalInt.empty());
        }, Duration.ofSeconds(30), now::get);

        assertEquals(6, topics.info("t").partitions());
        partitions.set(8);
        now.addAndGet(Duration.ofSeconds(29).toNanos());
        assertEquals(6, topics.info("t").partitions(), "kept");
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertEquals(8, topics.info("t").partitions(), "asked again after 30 s");
        assertEquals(2, calls.get());

        partitions.set(-1);
        now.addAndGet(Duration.ofSeconds(31).toNanos());
        assertThrows(ReplyTopics.Unavailable.class, () -> topics.info("t"));
        assertThrows(ReplyTopics.Unavailable.class, () -> topics.info("t"), "no answer is asked for again at once");
        assertEquals(4, calls.get());
        partitions.set(8);
        assertTrue(topics.info("t").exists());
        assertFalse(ReplyTopics.Info.missing().exists());
    }
}
