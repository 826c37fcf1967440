package io.metalprompt.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

/**
 * The tenants' API keys in Redis, shared by the gateway (which authenticates every call with them) and the
 * command line (which creates, lists and revokes them).
 *
 * <p>A key is {@value #PREFIX} followed by 32 random bytes (base64url): too much entropy to guess, so a plain
 * SHA-256 of it is a safe thing to store. Redis holds only that hash, never the key, which {@link #create} returns
 * once. Keys (docs/architecture.md, "Redis keys"):
 * <ul>
 *   <li>{@code metal:apikey:{sha256 hex}}: hash {@code id}, {@code tenant}, {@code createdAt} and, once revoked,
 *       {@code revokedAt} (ISO-8601) — one read authenticates a call;</li>
 *   <li>{@code metal:apikeys}: hash key id → sha256 hex, to list keys and revoke one by id.</li>
 * </ul>
 * A revoked key stays listed (with its revocation time) and no longer authenticates. Gateways keep the records they
 * read for a few seconds, so {@link #revoke} also publishes the key's hash on {@value #REVOKED_CHANNEL}, on which
 * every gateway forgets it at once.
 */
public final class ApiKeys {

    /** What every key starts with, so a leaked one is recognisable (e.g. by secret scanners). */
    public static final String PREFIX = "mpk_";
    /** The hash from key id to key hash. */
    public static final String INDEX_KEY = "metal:apikeys";
    /** The pub/sub channel {@link #revoke} publishes a revoked key's hash (sha256 hex) on. */
    public static final String REVOKED_CHANNEL = "metal:apikeys:revoked";

    /** Tenant names: they appear in Redis key names and logs, so no spaces, colons or control characters. */
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final int SECRET_BYTES = 32;
    private static final int ID_BYTES = 8;

    /** One key's record (never the key itself); {@code revokedAt} is null while the key is valid. */
    public record ApiKey(String id, String tenant, Instant createdAt, Instant revokedAt) {
        public boolean revoked() {
            return revokedAt != null;
        }
    }

    /** A new key: its record and the key itself, to be shown once and then forgotten. */
    public record Created(ApiKey record, String key) {
        @Override
        public String toString() {
            return "Created[" + record + ", key=(hidden)]";
        }
    }

    /** What {@link #revoke} did. */
    public enum Revocation { REVOKED, ALREADY_REVOKED, UNKNOWN }

    private final RedisConnector redis;
    private final Clock clock;
    private final SecureRandom random;

    public ApiKeys(RedisConnector redis) {
        this(redis, Clock.systemUTC(), new SecureRandom());
    }

    public ApiKeys(RedisConnector redis, Clock clock, SecureRandom random) {
        this.redis = redis;
        this.clock = clock;
        this.random = random;
    }

    public static String recordKey(String keyHash) {
        return "metal:apikey:" + keyHash;
    }

    /** The hex SHA-256 of a key: what Redis stores and what a presented key is looked up by. */
    public static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Throws {@link IllegalArgumentException} with the rule when {@code tenant} is not a valid tenant name. */
    public static String requireTenant(String tenant) {
        if (tenant == null || !TENANT.matcher(tenant).matches()) {
            throw new IllegalArgumentException("invalid tenant name '" + tenant + "': use 1 to 64 letters, digits, "
                    + "'.', '_' or '-', starting with a letter or digit");
        }
        return tenant;
    }

    private RedisClusterCommands<byte[], byte[]> sync() {
        return redis.sync();
    }

    /** Creates a key for {@code tenant}; the returned {@link Created#key()} exists nowhere else. */
    public Created create(String tenant) {
        requireTenant(tenant);
        byte[] secret = new byte[SECRET_BYTES];
        random.nextBytes(secret);
        byte[] idBytes = new byte[ID_BYTES];
        random.nextBytes(idBytes);
        String key = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        String id = "key_" + HexFormat.of().formatHex(idBytes);
        String keyHash = hash(key);
        ApiKey record = new ApiKey(id, tenant, clock.instant(), null);
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        fields.put(b("id"), b(id));
        fields.put(b("tenant"), b(tenant));
        fields.put(b("createdAt"), b(record.createdAt().toString()));
        RedisClusterCommands<byte[], byte[]> c = sync();
        c.hset(b(recordKey(keyHash)), fields);   // the record first: a listed id always resolves
        c.hset(b(INDEX_KEY), b(id), b(keyHash));
        return new Created(record, key);
    }

    /** The record of a presented key (revoked or not), if it is a key this store created. */
    public Optional<ApiKey> find(String presentedKey) {
        if (presentedKey == null || presentedKey.isEmpty()) {
            return Optional.empty();
        }
        return findByHash(hash(presentedKey));
    }

    /** The record of the key whose {@link #hash} this is (revoked or not), if it is a key this store created. */
    public Optional<ApiKey> findByHash(String keyHash) {
        Map<byte[], byte[]> raw = sync().hgetall(b(recordKey(keyHash)));
        if (raw == null || raw.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> f = new HashMap<>();
        raw.forEach((k, v) -> f.put(s(k), s(v)));
        return Optional.of(new ApiKey(f.get("id"), f.get("tenant"), instant(f.get("createdAt")),
                instant(f.get("revokedAt"))));
    }

    /** Every key's record, oldest first; with {@code tenant} not null, only that tenant's. */
    public List<ApiKey> list(String tenant) {
        List<ApiKey> keys = new ArrayList<>();
        for (byte[] keyHash : sync().hgetall(b(INDEX_KEY)).values()) {
            findByHash(s(keyHash)).filter(k -> tenant == null || tenant.equals(k.tenant())).ifPresent(keys::add);
        }
        keys.sort(Comparator.comparing(ApiKey::createdAt, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(ApiKey::id));
        return keys;
    }

    /**
     * Revokes the key with this id: from now on it no longer authenticates. The record is written first, then its
     * hash published on {@value #REVOKED_CHANNEL}, so a gateway that drops its copy on the message reads the revoked
     * record. A key revoked before is published again: revoking it once more reaches a gateway that missed the first
     * message (one that was disconnected from Redis).
     */
    public Revocation revoke(String id) {
        byte[] keyHash = sync().hget(b(INDEX_KEY), b(id));
        if (keyHash == null) {
            return Revocation.UNKNOWN;
        }
        Optional<ApiKey> key = findByHash(s(keyHash));
        if (key.isEmpty()) {
            return Revocation.UNKNOWN;
        }
        Revocation done = Revocation.ALREADY_REVOKED;
        if (!key.get().revoked()) {
            sync().hset(b(recordKey(s(keyHash))), b("revokedAt"), b(clock.instant().toString()));
            done = Revocation.REVOKED;
        }
        sync().publish(b(REVOKED_CHANNEL), keyHash);
        return done;
    }

    private static Instant instant(String value) {
        return value == null ? null : Instant.parse(value);
    }

    private static byte[] b(String value) {
        return value.getBytes(UTF_8);
    }

    private static String s(byte[] value) {
        return new String(value, UTF_8);
    }
}
