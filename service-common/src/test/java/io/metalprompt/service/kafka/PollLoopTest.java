package io.metalprompt.service.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.Test;

class PollLoopTest {

    /** Records what the skeleton calls; each step is a poll of at most {@code poll}. */
    private static final class Recording extends PollLoop<String, String> {
        final List<String> calls = new ArrayList<>();
        final CountDownLatch stepped = new CountDownLatch(1);
        private final Duration poll;

        Recording(MockConsumer<String, String> consumer, Duration poll) {
            super(consumer);
            this.poll = poll;
        }

        @Override
        protected void open() {
            calls.add("open");
            consumer.subscribe(List.of("t"));
        }

        @Override
        protected void step() {
            consumer.poll(poll);
            stepped.countDown();
        }

        @Override
        protected void finish() {
            calls.add("finish" + (closing() ? " after close" : " without close"));
        }
    }

    @Test
    void aCloseFromAnotherThreadEndsTheLoopThenFinishesAndClosesTheConsumer() throws Exception {
        MockConsumer<String, String> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
        Recording loop = new Recording(consumer, Duration.ofMinutes(10));
        Thread thread = new Thread(loop);
        thread.start();
        assertTrue(loop.stepped.await(10, TimeUnit.SECONDS), "the loop polls");

        loop.close();
        thread.join(TimeUnit.SECONDS.toMillis(10));

        assertFalse(thread.isAlive(), "close() ends the loop");
        assertEquals(List.of("open", "finish after close"), loop.calls);
        assertTrue(consumer.closed(), "the consumer is closed");
    }

    @Test
    void aWakeUpThatIsNotACloseEndsTheLoopWithItAfterFinishing() {
        MockConsumer<String, String> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
        Recording loop = new Recording(consumer, Duration.ofMillis(1));
        consumer.wakeup();

        assertThrows(WakeupException.class, loop::run);
        assertEquals(List.of("open", "finish without close"), loop.calls);
        assertTrue(consumer.closed());
    }
}
