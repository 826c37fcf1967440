package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** {@link Idempotency} over a map store, without Redis or HTTP. */
class IdempotencyTest {

    /** A store as Redis keeps it: one entry per tenant and key, reserved atomically. */
    static final class MapStore implements Idempotency.Store {
        final Map<String, Idempotency.Entry> entries = new HashMap<>();

        @Override
        public synchronized Optional<Idempotency.Entry> reserve(String tenant, String key, String fingerprint, Duration lease) {
            Idempotency.Entry held = entries.putIfAbsent(tenant + "/" + key, new Idempotency.Entry(fingerprint, null));
            return Optional.ofNullable(held);
        }

        @Override
        public synchronized void complete(String tenant, String key, String fingerprint, Idempotency.Answer answer, Duration keep) {
            entries.put(tenant + "/" + key, new Idempotency.Entry(fingerprint, answer));
        }

        final java.util.concurrent.atomic.AtomicInteger renewals = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void renew(String tenant, String key, String fingerprint, Duration lease) {
            renewals.incrementAndGet();
        }

        @Override
        public synchronized void release(String tenant, String key, String fingerprint) {
            entries.remove(tenant + "/" + key);
        }
    }

    private final MapStore store = new MapStore();
    private final Idempotency idempotency = new Idempotency(store, Duration.ofMinutes(1), 2);
    private final AtomicInteger runs = new AtomicInteger();

    private Idempotency.Answer created() {
        int n = runs.incrementAndGet();
        return new Idempotency.Answer(202, "application/json", "{\"id\":\"" + n + "\"}", Map.of("Location", "/v1/tasks/" + n));
    }

    private Idempotency.Answer run(String tenant, String key, Object body) {
        return idempotency.run(tenant, key, "POST", "/v1/tasks", body, this::created);
    }

    @Test
    void theSameKeyAndBodyGetTheFirstAnswerMarkedReplayed() {
        Idempotency.Answer first = run("acme", "k1", Map.of("examples", List.of("a")));
        Idempotency.Answer again = run("acme", "k1", Map.of("examples", List.of("a")));
        assertEquals(1, runs.get());
        assertEquals(first.body(), again.body());
        assertEquals(202, again.status());
        assertEquals("/v1/tasks/1", again.headers().get("Location"));
        assertEquals("true", again.headers().get(Idempotency.REPLAYED));
    }

    @Test
    void theSameKeyWithAnotherBodyIs422() {
        run("acme", "k1", Map.of("examples", List.of("a")));
        ApiException e = assertThrows(ApiException.class, () -> run("acme", "k1", Map.of("examples", List.of("b"))));
        assertEquals(422, e.status());
        assertEquals("idempotency-key-reused", e.slug());
    }

    @Test
    void fieldOrderDoesNotMakeAnotherRequestButThePathDoes() {
        Map<String, Object> ab = new java.util.LinkedHashMap<>();
        ab.put("a", 1);
        ab.put("b", 2);
        Map<String, Object> ba = new java.util.LinkedHashMap<>();
        ba.put("b", 2);
        ba.put("a", 1);
        assertEquals(Idempotency.fingerprint("POST", "/v1/tasks", ab), Idempotency.fingerprint("POST", "/v1/tasks", ba));
        assertNotEquals(Idempotency.fingerprint("POST", "/v1/tasks/x/predictions", ab),
                Idempotency.fingerprint("POST", "/v1/tasks/y/predictions", ab));
    }

    @Test
    void keysArePerTenant() {
        run("acme", "k1", Map.of("examples", List.of("a")));
        run("other", "k1", Map.of("examples", List.of("b")));
        assertEquals(2, runs.get());
    }

    @Test
    void aRepeatWhileTheFirstRunsIs409AndNeverRunsTwice() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Idempotency.Answer> first = pool.submit(() -> idempotency.run("acme", "k1", "POST", "/v1/tasks", "x", () -> {
                inside.countDown();
                try {
                    finish.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return created();
            }));
            assertTrue(inside.await(5, TimeUnit.SECONDS));
            ApiException e = assertThrows(ApiException.class, () -> run("acme", "k1", "x"));
            assertEquals(409, e.status());
            assertTrue(e.retryAfterSeconds() > 0);
            finish.countDown();
            assertEquals(202, first.get(5, TimeUnit.SECONDS).status());
            assertEquals(1, runs.get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anAnswerARetryMayChangeIsNotKept() {
        for (int status : List.of(409, 429, 503, 504)) {
            idempotency.run("acme", "k-" + status, "POST", "/v1/tasks", "x",
                    () -> new Idempotency.Answer(status, "application/problem+json", "{}", Map.of()));
            assertTrue(store.entries.isEmpty(), status + " is released");
        }
        idempotency.run("acme", "k-422", "POST", "/v1/tasks", "x",
                () -> new Idempotency.Answer(422, "application/problem+json", "{}", Map.of()));
        assertEquals(1, store.entries.size(), "a 422 is the answer for this request, kept");
    }

    @Test
    void aCallThatThrowsReleasesItsKey() {
        assertThrows(IllegalStateException.class, () -> idempotency.run("acme", "k1", "POST", "/v1/tasks", "x", () -> {
            throw new IllegalStateException("Redis down");
        }));
        assertTrue(store.entries.isEmpty());
    }

    @Test
    void aKeyOfSpacesOrTooLongIs400() {
        assertEquals(400, assertThrows(ApiException.class, () -> run("acme", "a b", "x")).status());
        assertEquals(400, assertThrows(ApiException.class, () -> run("acme", "", "x")).status());
        assertEquals(400, assertThrows(ApiException.class, () -> run("acme", "k".repeat(256), "x")).status());
        run("acme", "k".repeat(255), "x");
    }

    @Test
    void aReservationIsRenewedWhileItsCallRunsSoItsLeaseOnlyBoundsAWaitAfterACrash() {
        Idempotency shortLease = new Idempotency(store, Duration.ofMillis(150), 1);
        shortLease.run("t", "slow", "POST", "/v1/tasks/x/predictions", Map.of("inputs", List.of("a")), () -> {
            try {
                Thread.sleep(400);   // longer than the lease: renewed every 50 ms meanwhile
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Idempotency.Answer(200, "application/json", "{}", Map.of());
        });
        int during = store.renewals.get();
        assertTrue(during >= 3, "renewed while running, " + during + " times");
        sleepQuietly(200);
        assertEquals(during, store.renewals.get(), "and no more once the call ended");
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
