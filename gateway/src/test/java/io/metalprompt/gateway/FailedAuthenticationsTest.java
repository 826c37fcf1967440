package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** Failed authentications per address, on a clock the test moves. */
class FailedAuthenticationsTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private FailedAuthentications limiter(double perMinute, int burst) {
        return new FailedAuthentications(new FailedAuthentications.Settings(perMinute, burst), now::get);
    }

    @Test
    void aBurstOfFailuresThenEveryCallWaitsForTheRefill() {
        FailedAuthentications f = limiter(6, 3);   // one back every 10 s
        for (int i = 0; i < 3; i++) {
            f.check("10.0.0.1");
            f.failed("10.0.0.1");
        }
        ApiException e = assertThrows(ApiException.class, () -> f.check("10.0.0.1"));
        assertEquals(429, e.status());
        assertEquals("too-many-failed-authentications", e.slug());
        assertEquals(10, e.retryAfterSeconds());
        assertTrue(e.detail().contains("from 10.0.0.1 (more than 3, then 6 a minute)"), e.detail());
        f.check("10.0.0.2");   // another address is not affected

        now.addAndGet(TimeUnit.SECONDS.toNanos(9));
        assertEquals(1, assertThrows(ApiException.class, () -> f.check("10.0.0.1")).retryAfterSeconds());
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        f.check("10.0.0.1");
        f.failed("10.0.0.1");
        assertThrows(ApiException.class, () -> f.check("10.0.0.1"));
    }

    @Test
    void zeroIsNoLimit() {
        FailedAuthentications f = limiter(0, 0);
        for (int i = 0; i < 1000; i++) {
            f.failed("10.0.0.1");
        }
        f.check("10.0.0.1");
        assertEquals(0, f.tracked());
    }

    @Test
    void refilledAddressesAreForgottenWhenManyAreTracked() {
        FailedAuthentications f = limiter(60, 2);
        for (int i = 0; i <= FailedAuthentications.MAX_TRACKED; i++) {
            f.failed("10.1." + (i >> 8) + "." + (i & 0xFF));
        }
        f.failed("10.9.9.9");
        f.failed("10.9.9.9");
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));   // the others got their one failure back; 10.9.9.9 one of two
        f.failed("10.8.8.8");
        assertEquals(2, f.tracked(), "only the addresses with failures still counting are kept");
        f.failed("10.9.9.9");
        assertThrows(ApiException.class, () -> f.check("10.9.9.9"), "its count was kept");
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> limiter(-1, 3));
        assertThrows(IllegalArgumentException.class, () -> limiter(10, 0));
    }
}
