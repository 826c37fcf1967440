package io.metalprompt.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.metalprompt.events.EventCodec;
import io.metalprompt.events.ModelPublished;

/**
 * Which PGM version a base model's prompt-generators serve, and how far moving every task's prompt to it has
 * come (keys in {@code docs/architecture.md}):
 * <ul>
 *   <li>{@code metal:{model:<fingerprint>}}: hash {@code publishedAt} (epoch ms), {@code pgmVersion}, {@code event}
 *       (the {@link ModelPublished} JSON) of the version in force;</li>
 *   <li>{@code metal:{model:<fingerprint>}:rollout}: hash {@code version}, {@code cursor} (of the walk over the
 *       task index, {@link TaskIndex#scanTasks}),
 *       {@code done} ({@code 0}/{@code 1}), {@code regenerated} (count), {@code startedAt}, {@code finishedAt};</li>
 *   <li>{@code metal:{model:<fingerprint>}:rollout:lease}: the replica that drives the rollout now, with a TTL.</li>
 * </ul>
 * Events of one base are ordered by {@code publishedAt}: a later one replaces the version in force and restarts
 * the rollout at cursor 0; the same event again changes nothing; an earlier one is refused. Each of these steps
 * is one Lua script on keys of the base's one hash tag (so also in a Redis Cluster), so replicas that see the same events in any interleaving agree.
 */
public final class RolloutStore {

    /** What {@link #apply} did with an event. */
    public enum Applied { NEWER, SAME, OLDER }

    /** The state of the rollout of {@code version}. */
    public record Rollout(String version, String cursor, boolean done, long regenerated, Instant startedAt) {
    }

    private static final String APPLY = """
            local at = tonumber(ARGV[1])
            local cur = redis.call('HGET', KEYS[1], 'publishedAt')
            if cur then
              cur = tonumber(cur)
              if at < cur then return -1 end
              if at == cur then
                if redis.call('HGET', KEYS[1], 'pgmVersion') == ARGV[2] then return 0 end
                return -1
              end
            end
            redis.call('HSET', KEYS[1], 'publishedAt', ARGV[1], 'pgmVersion', ARGV[2], 'event', ARGV[3])
            redis.call('DEL', KEYS[2])
            redis.call('HSET', KEYS[2], 'version', ARGV[2], 'cursor', '0', 'done', '0', 'regenerated', '0', 'startedAt', ARGV[4])
            return 1
            """;

    private static final String ADVANCE = """
            if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
            redis.call('HSET', KEYS[1], 'cursor', ARGV[2], 'done', ARGV[3])
            redis.call('HINCRBY', KEYS[1], 'regenerated', tonumber(ARGV[4]))
            if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'finishedAt', ARGV[5]) end
            return 1
            """;

    private static final String RENEW = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return 0
            """;

    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """;

    private final RedisConnector redis;

    public RolloutStore(RedisConnector redis) {
        this.redis = redis;
    }

    /** {@code metal:{model:<fingerprint>}}: the base model's keys share this hash tag (one slot, one script). */
    public static String modelKey(String fingerprint) {
        return "metal:{model:" + fingerprint + "}";
    }

    public static String rolloutKey(String fingerprint) {
        return modelKey(fingerprint) + ":rollout";
    }

    public static String leaseKey(String fingerprint) {
        return modelKey(fingerprint) + ":rollout:lease";
    }

    private RedisClusterCommands<byte[], byte[]> sync() {
        return redis.sync();
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    private long eval(String script, String[] keys, String... args) {
        byte[][] k = new byte[keys.length][];
        for (int i = 0; i < keys.length; i++) {
            k[i] = b(keys[i]);
        }
        byte[][] a = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            a[i] = b(args[i]);
        }
        Long r = sync().eval(script, ScriptOutputType.INTEGER, k, a);
        return r == null ? 0 : r;
    }

    /**
     * Records {@code event} as the version in force for its base model if it is later than the one recorded
     * (then the rollout of its version starts from the first task), and says which case it was.
     */
    public Applied apply(ModelPublished event, Instant now) {
        long r = eval(APPLY, new String[] {modelKey(event.baseFingerprint()), rolloutKey(event.baseFingerprint())},
                Long.toString(event.publishedAt().toEpochMilli()), event.pgmVersion(), EventCodec.encodeToString(event),
                now.toString());
        return r > 0 ? Applied.NEWER : r == 0 ? Applied.SAME : Applied.OLDER;
    }

    /** The event of the version in force for the base model {@code fingerprint}, if one was published. */
    public Optional<ModelPublished> current(String fingerprint) {
        byte[] raw = sync().hget(b(modelKey(fingerprint)), b("event"));
        return raw == null ? Optional.empty() : Optional.of(EventCodec.decode(raw, ModelPublished.class));
    }

    /** The rollout of the version in force, if one was published. */
    public Optional<Rollout> rollout(String fingerprint) {
        Map<byte[], byte[]> raw = sync().hgetall(b(rolloutKey(fingerprint)));
        if (raw == null || raw.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> f = new HashMap<>();
        raw.forEach((k, v) -> f.put(new String(k, UTF_8), new String(v, UTF_8)));
        return Optional.of(new Rollout(f.get("version"), f.getOrDefault("cursor", "0"), "1".equals(f.get("done")),
                Long.parseLong(f.getOrDefault("regenerated", "0")),
                f.containsKey("startedAt") ? Instant.parse(f.get("startedAt")) : null));
    }

    /**
     * Saves the rollout's progress — the cursor to go on from, whether the walk over all tasks is complete, and
     * how many more prompts were regenerated — unless the rollout is no longer of {@code version} (a later version
     * was published meanwhile: then nothing is written and the answer is false).
     */
    public boolean advance(String fingerprint, String version, String cursor, boolean done, long regenerated, Instant now) {
        return eval(ADVANCE, new String[] {rolloutKey(fingerprint)}, version, cursor, done ? "1" : "0",
                Long.toString(regenerated), now.toString()) == 1;
    }

    /** Takes (or keeps) the right to drive the rollout for {@code ttl}; false while another replica holds it. */
    public boolean acquireLease(String fingerprint, String owner, Duration ttl) {
        String ok = sync().set(b(leaseKey(fingerprint)), b(owner), SetArgs.Builder.nx().px(ttl.toMillis()));
        return "OK".equals(ok) || renewLease(fingerprint, owner, ttl);
    }

    /** Extends the lease if {@code owner} still holds it. */
    public boolean renewLease(String fingerprint, String owner, Duration ttl) {
        return eval(RENEW, new String[] {leaseKey(fingerprint)}, owner, Long.toString(ttl.toMillis())) == 1;
    }

    /** Gives the lease up if {@code owner} holds it. */
    public void releaseLease(String fingerprint, String owner) {
        eval(RELEASE, new String[] {leaseKey(fingerprint)}, owner);
    }
}
