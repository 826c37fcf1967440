package io.metalprompt.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.LocalDate;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.metalprompt.testing.TestInfrastructure;

/** Against a real Redis: counts per tenant, task and day, each event once. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageStoreTest {

    private RedisConnector redis;
    private UsageStore usage;

    String redisUrl() {
        return TestInfrastructure.get().redisUrl();
    }

    @BeforeAll
    void connect() {
        redis = new RedisConnector(redisUrl(), Duration.ofSeconds(2));
        usage = new UsageStore(redis);
    }

    @AfterAll
    void close() {
        redis.close();
    }

    private static final LocalDate DAY = LocalDate.parse("2026-12-04");

    @Test
    void anEventRecordedTwiceIsCountedOnce() {
        String tenant = "usage-" + UUID.randomUUID();
        Map<String, Long> counts = Map.of(UsageStore.INPUTS_ANSWERED, 3L, UsageStore.TOKENS_READ, 120L);
        assertTrue(usage.record(tenant, "t1", "r-1", DAY, counts));
        assertFalse(usage.record(tenant, "t1", "r-1", DAY, counts), "the same request id again (a failover's copy)");
        assertTrue(usage.record(tenant, "t1", "r-2", DAY, counts));
        assertEquals(Map.of("t1", Map.of(UsageStore.INPUTS_ANSWERED, 6L, UsageStore.TOKENS_READ, 240L)),
                usage.read(tenant, DAY, DAY));
    }

    @Test
    void aRangeSumsItsDaysAndLeavesOthersOut() {
        String tenant = "usage-" + UUID.randomUUID();
        usage.record(tenant, "t1", "a", DAY.minusDays(1), Map.of(UsageStore.INPUTS_ANSWERED, 1L));
        usage.record(tenant, "t1", "b", DAY, Map.of(UsageStore.INPUTS_ANSWERED, 2L));
        usage.record(tenant, "t2", "c", DAY.plusDays(1), Map.of(UsageStore.PROMPT_GENERATIONS, 1L));
        assertEquals(Map.of("t1", Map.of(UsageStore.INPUTS_ANSWERED, 3L)), usage.read(tenant, DAY.minusDays(1), DAY));
        assertEquals(Map.of(), usage.read("other-" + tenant, DAY.minusDays(1), DAY.plusDays(1)), "another tenant's");
    }

    @Test
    void eventsRecordedTogetherAreCountedAsOneByOne() {
        String tenant = "usage-" + UUID.randomUUID();
        String other = "usage-" + UUID.randomUUID();
        Map<String, Long> one = Map.of(UsageStore.PROMPT_GENERATIONS, 1L);
        boolean[] counted = usage.recordAll(java.util.List.of(new UsageStore.Event(tenant, "t1", "g-1", DAY, one),
                new UsageStore.Event(other, "t2", "g-2", DAY, one), new UsageStore.Event(tenant, "t1", "g-1", DAY, one),
                new UsageStore.Event(tenant, "t3", "g-3", DAY, one)));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new boolean[] {true, true, false, true}, counted,
                "in order: the same event id again is not counted");
        assertFalse(usage.record(tenant, "t1", "g-1", DAY, one), "nor later one by one");
        assertEquals(Map.of("t1", one, "t3", one), usage.read(tenant, DAY, DAY));
        assertEquals(Map.of("t2", one), usage.read(other, DAY, DAY));
    }
}
