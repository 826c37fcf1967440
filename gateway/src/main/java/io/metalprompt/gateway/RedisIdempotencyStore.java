package io.metalprompt.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.lettuce.core.ScriptOutputType;
import io.metalprompt.store.RedisConnector;

/**
 * Idempotency keys in Redis: one hash per tenant and key, {@code metal:{tenant:T}:idempotency:<sha256 of the key>}
 * (fields {@code fp}, and once answered {@code status}, {@code type}, {@code body} gzipped, {@code headers} as JSON),
 * reserved with a lease and kept {@link Idempotency#KEEP} once answered. Each step is one script on one key (one
 * hash tag), so two gateways reserving the same key at once cannot both win.
 */
public final class RedisIdempotencyStore implements Idempotency.Store {

    private static final ObjectMapper JSON = new ObjectMapper();

    // KEYS[1] the key's hash; ARGV fingerprint, lease ms. {} = reserved now; else fp, status, type, body, headers.
    private static final String RESERVE = """
            if redis.call('EXISTS', KEYS[1]) == 0 then
              redis.call('HSET', KEYS[1], 'fp', ARGV[1])
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
              return {}
            end
            return redis.call('HMGET', KEYS[1], 'fp', 'status', 'type', 'body', 'headers')""";

    // ARGV fingerprint, keep ms, status, type, body, headers: only the reservation's holder answers
    private static final String COMPLETE = """
            if redis.call('HGET', KEYS[1], 'fp') ~= ARGV[1] then return 0 end
            redis.call('HSET', KEYS[1], 'status', ARGV[3], 'type', ARGV[4], 'body', ARGV[5], 'headers', ARGV[6])
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 1""";

    // ARGV fingerprint: a reservation not answered yet is given up
    private static final String RELEASE = """
            if redis.call('HGET', KEYS[1], 'fp') == ARGV[1] and redis.call('HEXISTS', KEYS[1], 'status') == 0 then
              return redis.call('DEL', KEYS[1])
            end
            return 0""";

    // ARGV fingerprint, lease ms: a reservation not answered yet is extended (its holder still runs)
    private static final String RENEW = """
            if redis.call('HGET', KEYS[1], 'fp') == ARGV[1] and redis.call('HEXISTS', KEYS[1], 'status') == 0 then
              return redis.call('PEXPIRE', KEYS[1], ARGV[2])
            end
            return 0""";

    private final RedisConnector redis;

    public RedisIdempotencyStore(RedisConnector redis) {
        this.redis = redis;
    }

    /** The Redis key of a tenant's idempotency key (hashed: any visible ASCII, braces included, is safe). */
    public static String key(String tenant, String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(UTF_8));
            return "metal:{tenant:" + tenant + "}:idempotency:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    @Override
    public Optional<Idempotency.Entry> reserve(String tenant, String key, String fingerprint, Duration lease) {
        List<byte[]> got = redis.sync().eval(RESERVE, ScriptOutputType.MULTI,
                new byte[][] {b(key(tenant, key))}, b(fingerprint), b(Long.toString(lease.toMillis())));
        if (got == null || got.isEmpty()) {
            return Optional.empty();
        }
        String fp = got.get(0) == null ? "" : new String(got.get(0), UTF_8);
        if (got.get(1) == null) {
            return Optional.of(new Idempotency.Entry(fp, null));
        }
        try {
            Map<String, String> headers = JSON.readValue(got.get(4), new TypeReference<Map<String, String>>() { });
            return Optional.of(new Idempotency.Entry(fp, new Idempotency.Answer(
                    Integer.parseInt(new String(got.get(1), UTF_8)), new String(got.get(2), UTF_8),
                    gunzip(got.get(3)), headers)));
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt idempotency record in Redis", e);
        }
    }

    @Override
    public void complete(String tenant, String key, String fingerprint, Idempotency.Answer answer, Duration keep) {
        try {
            redis.sync().eval(COMPLETE, ScriptOutputType.INTEGER, new byte[][] {b(key(tenant, key))},
                    b(fingerprint), b(Long.toString(keep.toMillis())), b(Integer.toString(answer.status())),
                    b(answer.contentType()), gzip(answer.body()), JSON.writeValueAsBytes(answer.headers()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void release(String tenant, String key, String fingerprint) {
        redis.sync().eval(RELEASE, ScriptOutputType.INTEGER, new byte[][] {b(key(tenant, key))},
                b(fingerprint));
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(text == null ? new byte[0] : text.getBytes(UTF_8));
        }
        return out.toByteArray();
    }

    private static String gunzip(byte[] bytes) throws IOException {
        try (GZIPInputStream z = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return new String(z.readAllBytes(), UTF_8);
        }
    }

    @Override
    public void renew(String tenant, String key, String fingerprint, Duration lease) {
        redis.sync().eval(RENEW, ScriptOutputType.INTEGER, new byte[][] {b(key(tenant, key))}, b(fingerprint),
                b(Long.toString(lease.toMillis())));
    }
}
