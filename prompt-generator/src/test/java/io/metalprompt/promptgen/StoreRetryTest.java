package io.metalprompt.promptgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;

class StoreRetryTest {

    private final List<Duration> pauses = new ArrayList<>();
    private final StoreRetry retry = new StoreRetry(Duration.ofSeconds(10), Duration.ofMillis(250), pauses::add);

    @Test
    void unreachableRedisIsTriedAgainWithDoublingPausesUntilItAnswers() {
        AtomicInteger calls = new AtomicInteger();
        String result = retry.call("testing", () -> {
            int n = calls.incrementAndGet();
            if (n == 1) {
                throw new RedisConnectionException("Connection refused");
            }
            if (n < 4) {
                throw new RedisCommandTimeoutException("Command timed out after 2 second(s)");
            }
            return "stored";
        });
        assertEquals("stored", result);
        assertEquals(List.of(Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofMillis(1000)), pauses);
    }

    @Test
    void afterItsPatienceTheLastErrorGoesToTheCaller() {
        RedisConnectionException down = new RedisConnectionException("Connection refused");
        assertSame(down, assertThrows(RedisConnectionException.class, () -> retry.call("testing", () -> {
            throw down;
        })));
        // 0.25 + 0.5 + 1 + 2 + 4 + 5 = 12.75 s >= 10 s: six pauses, then it gives up
        assertEquals(6, pauses.size());
        assertEquals(Duration.ofSeconds(5), pauses.get(5));
    }

    @Test
    void anErrorRedisAnsweredOrAnyOtherIsNotTriedAgain() {
        assertThrows(RedisCommandExecutionException.class, () -> retry.call("testing", () -> {
            throw new RedisCommandExecutionException("WRONGTYPE Operation against a key holding the wrong kind of value");
        }));
        assertThrows(IllegalArgumentException.class, () -> retry.call("testing", () -> {
            throw new IllegalArgumentException("bad examples");
        }));
        assertEquals(List.of(), pauses);
    }
}
