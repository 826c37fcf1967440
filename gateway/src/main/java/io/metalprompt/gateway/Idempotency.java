package io.metalprompt.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import org.jboss.logging.Logger;

/**
 * {@code Idempotency-Key} on the calls that make something ({@code docs/api.md}, "Idempotent calls"), plain Java over
 * a {@link Store}: the first call with a key reserves it atomically for its request (a fingerprint: SHA-256 of the
 * method, the path and the body as canonical JSON), runs, and keeps its answer for {@link #KEEP} (24 h); a call with
 * the same key and request gets that answer again, with {@code Idempotent-Replayed: true}; with another request, a 422;
 * while the first still runs, a 409 with {@code Retry-After}, so concurrent duplicates never both run. Keys are per
 * tenant. An answer a retry could change (429, 409, 5xx) is not kept: the key is released, and the client's retry with
 * the same key runs the call again.
 */
public final class Idempotency {

    /** How long an answer is kept and replayed. */
    public static final Duration KEEP = Duration.ofHours(24);

    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED = "Idempotent-Replayed";

    /** An answer as it went out: status, media type, body and the headers that matter (Location, Retry-After). */
    public record Answer(int status, String contentType, String body, Map<String, String> headers) {
        public Answer {
            headers = Map.copyOf(headers);
        }
    }

    /** What the store holds for a key: the request's fingerprint and, once the first call is done, its answer. */
    public record Entry(String fingerprint, Answer answer) {
    }

    /** Where reservations and answers live (Redis: {@link RedisIdempotencyStore}), keyed by tenant and key. */
    public interface Store {
        /**
         * Reserves {@code key} for a request with {@code fingerprint} for {@code lease} in one atomic step, unless
         * it is taken: then the entry that holds it (its answer null while that call runs).
         */
        Optional<Entry> reserve(String tenant, String key, String fingerprint, Duration lease);

        /** Keeps the answer of the call that holds the reservation, for {@code keep}. */
        void complete(String tenant, String key, String fingerprint, Answer answer, Duration keep);

        /** Gives the reservation up (the call's answer is not kept). */
        void release(String tenant, String key, String fingerprint);

        /** Extends a reservation not answered yet to {@code lease} from now (its holder is still running). */
        void renew(String tenant, String key, String fingerprint, Duration lease);
    }

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private static final Logger LOG = Logger.getLogger(Idempotency.class);

    /** A reservation's lease by default: renewed every third of it while its call runs. */
    public static final Duration LEASE = Duration.ofSeconds(10);

    private static final ScheduledExecutorService RENEWER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "idempotency-lease");
        t.setDaemon(true);
        return t;
    });

    private final Store store;
    private final Duration lease;
    private final int retryAfterSeconds;

    /**
     * {@code lease}: how long a reservation holds when its call never finishes (a gateway killed mid-call); while the
     * call runs it is renewed every third of it, so a call may take longer, and a retry after a crash waits at most
     * the lease (DistributedFaultsIT: with a fixed lease of the longest call, 70 s, the calls a killed gateway held
     * were answered after up to 76 s).
     */
    public Idempotency(Store store, Duration lease, int retryAfterSeconds) {
        this.store = store;
        this.lease = lease;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /**
     * Runs {@code call} once per tenant, key and request: {@code key} null runs it with no record. {@code request}
     * is the body as read (compared as canonical JSON, so spacing and field order do not matter).
     */
    public Answer run(String tenant, String key, String method, String path, Object request, Supplier<Answer> call) {
        if (key == null) {
            return call.get();
        }
        check(key);
        String fingerprint = fingerprint(method, path, request);
        Optional<Entry> held = store.reserve(tenant, key, fingerprint, lease);
        if (held.isPresent()) {
            Entry entry = held.get();
            if (!entry.fingerprint().equals(fingerprint)) {
                throw new ApiException(422, "idempotency-key-reused", "Idempotency key reused",
                        "the Idempotency-Key '" + key + "' was used within the last 24 hours for another request "
                                + "(another body, method or path); use a new key for a new request", 0);
            }
            if (entry.answer() == null) {
                throw new ApiException(409, "idempotency-key-in-use", "Request in progress",
                        "a request with the Idempotency-Key '" + key + "' is still being answered; retry after "
                                + "Retry-After to get its answer", Math.max(1, retryAfterSeconds));
            }
            Map<String, String> headers = new LinkedHashMap<>(entry.answer().headers());
            headers.put(REPLAYED, "true");
            return new Answer(entry.answer().status(), entry.answer().contentType(), entry.answer().body(), headers);
        }
        Answer answer;
        long every = Math.max(1, lease.toMillis() / 3);
        ScheduledFuture<?> renewal = RENEWER.scheduleAtFixedRate(() -> renew(tenant, key, fingerprint), every, every,
                TimeUnit.MILLISECONDS);
        try {
            answer = call.get();
        } catch (RuntimeException e) {
            store.release(tenant, key, fingerprint);
            throw e;
        } finally {
            renewal.cancel(false);
        }
        if (kept(answer.status())) {
            store.complete(tenant, key, fingerprint, answer, KEEP);
        } else {
            store.release(tenant, key, fingerprint);
        }
        return answer;
    }

    private void renew(String tenant, String key, String fingerprint) {
        try {
            store.renew(tenant, key, fingerprint, lease);
        } catch (RuntimeException e) {
            // the lease runs out instead: a retry then runs the call again, as after a crash
            LOG.warnf("could not renew the reservation of an Idempotency-Key of tenant '%s': %s", tenant, e.getMessage());
        }
    }

    /** Answers a retry may change are not kept: 409 (not ready yet), 429 (a quota), 5xx (a failure). */
    static boolean kept(int status) {
        return status < 500 && status != 409 && status != 429;
    }

    /** 1 to 255 visible ASCII characters, else 400. */
    static void check(String key) {
        if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw ApiException.badRequest("the Idempotency-Key header must be 1 to 255 visible ASCII characters "
                    + "(no spaces); send a new random one, such as a UUID, for each new request");
        }
    }

    /** SHA-256 (hex) of the method, the path and the request as canonical JSON (sorted keys, no spacing). */
    static String fingerprint(String method, String path, Object request) {
        try {
            byte[] body = CANONICAL.writeValueAsBytes(request);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((method + " " + path + "\n").getBytes(UTF_8));
            sha.update(body);
            return HexFormat.of().formatHex(sha.digest());
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot fingerprint the request", e);
        }
    }
}
