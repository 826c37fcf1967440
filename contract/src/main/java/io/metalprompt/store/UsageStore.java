package io.metalprompt.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;

/**
 * What each tenant used, per task and UTC day, in Redis ({@code docs/architecture.md}, "Usage metering"): one hash per
 * tenant and day, {@code metal:{tenant:T}:usage:<yyyy-mm-dd>}, field {@code <taskId>|<counter>}. Every count is
 * recorded under an event id (a prediction's request id, a prompt's generation) in one script that first sets
 * {@code metal:{tenant:T}:usage-seen:<event id>} with NX: an event recorded again (a redelivered record, a retried
 * call) adds nothing, so each is counted exactly once. Both keys carry the tenant's hash tag (one Cluster slot).
 */
public final class UsageStore {

    public static final String INPUTS_ANSWERED = "inputsAnswered";
    public static final String TOKENS_READ = "tokensRead";
    public static final String PROMPT_GENERATIONS = "promptGenerations";
    public static final String REFINEMENT_STEPS = "refinementSteps";

    /** How long an event id is remembered: longer than any redelivery (topics keep records 7 days). */
    public static final Duration SEEN_FOR = Duration.ofDays(8);
    /** How long a day's counts are kept. */
    public static final Duration KEPT_FOR = Duration.ofDays(400);

    // KEYS: seen key, day hash. ARGV: seen ms, kept ms, then field, delta pairs. 1 = counted now, 0 = seen before.
    private static final String RECORD = """
            if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
            for i = 3, #ARGV, 2 do redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1]) end
            redis.call('PEXPIRE', KEYS[2], ARGV[2])
            return 1""";

    private final RedisConnector redis;

    public UsageStore(RedisConnector redis) {
        this.redis = redis;
    }

    public static String dayKey(String tenant, LocalDate day) {
        return "metal:{tenant:" + tenant + "}:usage:" + day;
    }

    public static String seenKey(String tenant, String eventId) {
        return "metal:{tenant:" + tenant + "}:usage-seen:" + eventId;
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    /**
     * Adds {@code counts} (counter name to amount) to the task's counts of {@code day}, unless {@code eventId} was
     * recorded before; true when counted now.
     */
    public boolean record(String tenant, String taskId, String eventId, LocalDate day, Map<String, Long> counts) {
        Event e = new Event(tenant, taskId, eventId, day, counts);
        Long counted = redis.sync().eval(RECORD, ScriptOutputType.INTEGER, keys(e), args(e));
        return counted != null && counted == 1L;
    }

    /** One use to count: what {@link #record} takes. */
    public record Event(String tenant, String taskId, String eventId, LocalDate day, Map<String, Long> counts) {
    }

    /** {@link #record} of each event, in order; the scripts pipelined (about one round trip for them all). */
    public boolean[] recordAll(List<Event> events) {
        List<RedisFuture<Long>> writes = new ArrayList<>();
        for (Event e : events) {
            writes.add(redis.async().eval(RECORD, ScriptOutputType.INTEGER, keys(e), args(e)));
        }
        List<Long> counted = RedisConnector.await(writes);
        boolean[] out = new boolean[counted.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = counted.get(i) != null && counted.get(i) == 1L;
        }
        return out;
    }

    private static byte[][] keys(Event e) {
        return new byte[][] {b(seenKey(e.tenant(), e.eventId())), b(dayKey(e.tenant(), e.day()))};
    }

    private static byte[][] args(Event e) {
        byte[][] args = new byte[2 + 2 * e.counts().size()][];
        args[0] = b(Long.toString(SEEN_FOR.toMillis()));
        args[1] = b(Long.toString(KEPT_FOR.toMillis()));
        int i = 2;
        for (Map.Entry<String, Long> c : e.counts().entrySet()) {
            args[i++] = b(e.taskId() + "|" + c.getKey());
            args[i++] = b(Long.toString(c.getValue()));
        }
        return args;
    }

    /** The tenant's counts per task (task id to counter name to amount) summed over the days from..to, inclusive. */
    public Map<String, Map<String, Long>> read(String tenant, LocalDate from, LocalDate to) {
        Map<String, Map<String, Long>> byTask = new TreeMap<>();
        for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
            Map<byte[], byte[]> fields = redis.sync().hgetall(b(dayKey(tenant, day)));
            for (Map.Entry<byte[], byte[]> f : fields.entrySet()) {
                String field = new String(f.getKey(), UTF_8);
                int bar = field.lastIndexOf('|');
                if (bar < 0) {
                    continue;
                }
                byTask.computeIfAbsent(field.substring(0, bar), t -> new LinkedHashMap<>())
                        .merge(field.substring(bar + 1), Long.parseLong(new String(f.getValue(), UTF_8)), Long::sum);
            }
        }
        return byTask;
    }
}
