package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** What the quotas answer (the counts in memory, on a clock the test moves; in Redis: TenantLimitsTest). */
class TenantQuotasTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private final InMemoryQuotaCounter counter = new InMemoryQuotaCounter(now::get);

    private TenantQuotas quotas(double rate, int burst, int concurrent) {
        return new TenantQuotas(new TenantQuotas.Settings(rate, burst, concurrent), counter, Duration.ofMinutes(1), 7);
    }

    private void advanceMillis(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void aBurstPassesThenTheRateHoldsWithRetryAfterUntilTheNextToken() {
        TenantQuotas q = quotas(2, 3, 0);
        for (int i = 0; i < 3; i++) {
            q.checkRate("acme");
        }
        ApiException e = assertThrows(ApiException.class, () -> q.checkRate("acme"));
        assertEquals(429, e.status());
        assertEquals("rate-limited", e.slug());
        assertEquals(1, e.retryAfterSeconds(), "half a second to the next token, rounded up");
        assertTrue(e.detail().contains("more than 2 requests per second (bursts of 3)"), e.detail());

        advanceMillis(499);
        assertThrows(ApiException.class, () -> q.checkRate("acme"));
        advanceMillis(2);
        q.checkRate("acme");
        assertThrows(ApiException.class, () -> q.checkRate("acme"));
    }

    @Test
    void tokensDoNotPileUpBeyondTheBurst() {
        TenantQuotas q = quotas(10, 2, 0);
        advanceMillis(60_000);
        q.checkRate("acme");
        q.checkRate("acme");
        assertThrows(ApiException.class, () -> q.checkRate("acme"));
    }

    @Test
    void aSlowRateAsksToWaitSeveralSeconds() {
        TenantQuotas q = quotas(0.25, 1, 0);
        q.checkRate("acme");
        assertEquals(4, assertThrows(ApiException.class, () -> q.checkRate("acme")).retryAfterSeconds());
    }

    @Test
    void eachTenantHasItsOwnBucket() {
        TenantQuotas q = quotas(1, 1, 0);
        q.checkRate("acme");
        assertThrows(ApiException.class, () -> q.checkRate("acme"));
        assertDoesNotThrow(() -> q.checkRate("globex"));
    }

    @Test
    void requestsInProgressAreCountedUntilClosedOnce() {
        TenantQuotas q = quotas(0, 0, 2);
        TenantQuotas.Permit a = q.enter("acme");
        TenantQuotas.Permit b = q.enter("acme");
        ApiException e = assertThrows(ApiException.class, () -> q.enter("acme"));
        assertEquals(429, e.status());
        assertEquals("too-many-concurrent-requests", e.slug());
        assertEquals(1, e.retryAfterSeconds());
        assertEquals(2, q.inProgress("acme"), "a refused request is not counted");
        q.enter("globex").close();

        a.close();
        a.close();
        assertEquals(1, q.inProgress("acme"), "closing twice gives back one permit");
        q.enter("acme").close();
        b.close();
        assertEquals(0, q.inProgress("acme"));
    }

    @Test
    void zeroTurnsALimitOff() {
        TenantQuotas q = quotas(0, 0, 0);
        for (int i = 0; i < 10_000; i++) {
            q.checkRate("acme");
            q.enter("acme");
        }
    }

    @Test
    void nonsenseSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new TenantQuotas.Settings(-1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new TenantQuotas.Settings(5, 0, 1));
    }

    @Test
    void anUnreachableCounterFailsClosedWith503AndAnAnswerStandsWhenItsPermitCannotBeGivenBack() {
        TenantQuotas q = quotas(5, 5, 2);
        TenantQuotas.Permit permit = q.enter("acme");
        counter.failure = new io.lettuce.core.RedisConnectionException("Unable to connect to 127.0.0.1:16379");
        ApiException rate = assertThrows(ApiException.class, () -> q.checkRate("acme"));
        assertEquals(503, rate.status());
        assertEquals(7, rate.retryAfterSeconds());
        assertTrue(rate.detail().contains("quotas cannot be checked"), rate.detail());
        assertEquals(503, assertThrows(ApiException.class, () -> q.enter("acme")).status(), "never let through uncounted");
        assertDoesNotThrow(permit::close, "the request's answer stands; its permit ends with its lease");
    }
}
