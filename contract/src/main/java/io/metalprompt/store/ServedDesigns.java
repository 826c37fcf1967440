package io.metalprompt.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

import io.lettuce.core.ScriptOutputType;
import io.metalprompt.events.PromptDesign;

/**
 * The prompt designs the deployment's prompt-generators have a PGM for, so that a registration of another design is
 * refused at once instead of failing later ({@code docs/architecture.md}, "Redis keys"): {@code metal:designs}, a
 * set of {@link PromptDesign} names. Each prompt-generator writes the designs it serves when it starts and when a
 * published version changes them (replicas of one deployment load the same PGMs; during a rolling update the last
 * replica to start has the final word); the gateway reads it.
 */
public final class ServedDesigns {

    public static final String KEY = "metal:designs";

    /** Replaces the set (KEYS[1]) by ARGV in one step, so no reader sees it empty. */
    private static final String REPLACE = """
            redis.call('DEL', KEYS[1])
            redis.call('SADD', KEYS[1], unpack(ARGV))
            return 1""";

    private final RedisConnector redis;

    public ServedDesigns(RedisConnector redis) {
        this.redis = redis;
    }

    /** Records {@code designs} (at least one) as the designs served from now on. */
    public void replace(Set<PromptDesign> designs) {
        if (designs.isEmpty()) {
            throw new IllegalArgumentException("a prompt-generator serves at least one design");
        }
        byte[][] names = designs.stream().map(d -> d.name().getBytes(UTF_8)).toArray(byte[][]::new);
        redis.sync().eval(REPLACE, ScriptOutputType.INTEGER, new byte[][] {KEY.getBytes(UTF_8)}, names);
    }

    /**
     * The designs served, or empty when no prompt-generator has recorded any (none has started yet, or one from
     * before this key). Names this version does not know are left out (none known: empty).
     */
    public Optional<Set<PromptDesign>> read() {
        Set<byte[]> members = redis.sync().smembers(KEY.getBytes(UTF_8));
        if (members == null || members.isEmpty()) {
            return Optional.empty();
        }
        Set<PromptDesign> designs = EnumSet.noneOf(PromptDesign.class);
        for (byte[] member : members) {
            String name = new String(member, UTF_8);
            for (PromptDesign d : PromptDesign.values()) {
                if (d.name().equals(name)) {
                    designs.add(d);
                }
            }
        }
        return designs.isEmpty() ? Optional.empty() : Optional.of(Set.copyOf(designs));
    }
}
