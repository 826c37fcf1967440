package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.metalprompt.store.ApiKeys;

/** Key records remembered for a while by hash, over a map of records whose reads are counted; a fake clock. */
class ApiKeyCacheTest {

    private static final String HASH = ApiKeys.hash("mpk_" + "a".repeat(43));
    private static final ApiKeys.ApiKey VALID = new ApiKeys.ApiKey("key_1", "acme", Instant.EPOCH, null);
    private static final ApiKeys.ApiKey REVOKED = new ApiKeys.ApiKey("key_1", "acme", Instant.EPOCH,
            Instant.parse("2026-01-01T00:00:00Z"));
    private static final Duration TTL = Duration.ofSeconds(5);

    private final AtomicLong nanos = new AtomicLong();
    private final Map<String, ApiKeys.ApiKey> stored = new HashMap<>();
    private int reads;
    /** What happens while a read is under way, after Redis answered. */
    private Runnable duringRead = () -> { };
    private final ApiKeyCache cache = new ApiKeyCache(this::read, TTL, 100, nanos::get);

    private Optional<ApiKeys.ApiKey> read(String hash) {
        reads++;
        Optional<ApiKeys.ApiKey> answer = Optional.ofNullable(stored.get(hash));
        duringRead.run();
        return answer;
    }

    @BeforeEach
    void subscribe() {
        stored.put(HASH, VALID);
        cache.onSubscription();
    }

    @Test
    void aKeyReadWithinItsTimeCostsNoRead() {
        assertEquals(Optional.of(VALID), cache.find(HASH));
        nanos.addAndGet(TTL.toNanos() - 1);
        assertEquals(Optional.of(VALID), cache.find(HASH));
        assertEquals(1, reads);
    }

    @Test
    void aKeyIsReadAgainAfterItsTime() {
        cache.find(HASH);
        stored.put(HASH, REVOKED);
        nanos.addAndGet(TTL.toNanos() + 1);
        assertEquals(Optional.of(REVOKED), cache.find(HASH), "even an unheard revocation holds after the time");
        assertEquals(2, reads);
    }

    @Test
    void anUnknownKeyIsReadEveryTimeSoANewKeyWorksAtOnce() {
        String fresh = ApiKeys.hash("mpk_" + "n".repeat(43));
        assertEquals(Optional.empty(), cache.find(fresh));
        stored.put(fresh, VALID);
        assertEquals(Optional.of(VALID), cache.find(fresh));
        assertEquals(2, reads);
    }

    @Test
    void aRevocationDropsTheKeyAtOnce() {
        cache.find(HASH);
        stored.put(HASH, REVOKED);
        cache.onRevocation(HASH);
        assertEquals(Optional.of(REVOKED), cache.find(HASH));
        assertEquals(Optional.of(REVOKED), cache.find(HASH), "a revoked record is kept too");
        assertEquals(2, reads);
    }

    @Test
    void aRecordReadWhileARevocationArrivesIsNotKept() {
        duringRead = () -> {   // revoked (and its message heard) after Redis answered, before the read returns
            stored.put(HASH, REVOKED);
            cache.onRevocation(HASH);
        };
        assertEquals(Optional.of(VALID), cache.find(HASH), "this call was checked before the revocation");
        duringRead = () -> { };
        assertEquals(Optional.of(REVOKED), cache.find(HASH), "read again, not the record the revocation overtook");
    }

    @Test
    void aZeroTimeKeepsNothing() {
        ApiKeyCache never = new ApiKeyCache(this::read, Duration.ZERO, 100, nanos::get);
        never.onSubscription();
        never.find(HASH);
        never.find(HASH);
        assertEquals(2, reads);
    }

    @Test
    void nothingIsKeptBeforeTheSubscriptionIsConfirmed() {
        ApiKeyCache unsubscribed = new ApiKeyCache(this::read, TTL, 100, nanos::get);
        unsubscribed.find(HASH);
        unsubscribed.find(HASH);
        assertEquals(2, reads);
    }

    @Test
    void aSubscriptionConfirmedAgainDropsEverything() {
        cache.find(HASH);
        stored.put(HASH, REVOKED);   // its message lost while the subscription was down
        cache.onSubscription();
        assertEquals(Optional.of(REVOKED), cache.find(HASH));
        assertEquals(2, reads);
    }
}
