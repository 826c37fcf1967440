package io.metalprompt.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.metalprompt.events.EventCodec;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskRegistered;

/**
 * Tasks and their prompt artifacts in Redis (keys in {@code docs/architecture.md}, "Redis keys"). A task's keys share
 * the hash tag {@code {task:<id>}}, so they live in one slot of a Redis Cluster and one script may touch them all:
 * {@code metal:{task:<id>}} (hash), {@code metal:{task:<id>}:registration} (the registration JSON),
 * {@code metal:{task:<id>}:prompt:<pgmVersion>} (the binary artifact) and {@code metal:{task:<id>}:prompts} (the set
 * of stored versions). A tenant's keys share {@code {tenant:<name>}}: {@code metal:{tenant:<name>}:tasks} (its task
 * ids, for its task quota). The walk over every task (the rollout) pages through {@value #INDEX_BUCKETS} sorted sets
 * {@code metal:{tasks:<bucket>}:index}, the bucket a hash of the id, instead of scanning the keyspace.
 *
 * <p>Registering and deleting touch three tags (tenant, index bucket, task), which no script may do in a Cluster, so
 * each is an ordered sequence of idempotent steps ({@link Step}) whose every prefix leaves a state readers handle and
 * a retry completes: registration reserves the tenant's quota, adds the id to the index, then writes the task (the
 * task appears only with that last step); deletion takes the id off its tenant's set, removes the task's keys in one
 * {@code DEL}, then takes it off the index. A left-over index entry of a deleted task is skipped by the walk.
 * Writes of one task are ordered so no reader sees a ready task without its prompt: the artifact first, then the
 * status. No MULTI/EXEC: the connection is shared by many threads, and a transaction on a shared Lettuce connection
 * would take in other threads' commands.
 */
public final class TaskStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Sorted sets the task index is spread over (a fixed number: changing it means re-indexing, see KeyMigration). */
    public static final int INDEX_BUCKETS = 256;

    /** The steps of the sequences that span several hash tags, in their order (for crash-point tests). */
    public enum Step { RESERVE_QUOTA, INDEX, WRITE_TASK, UNCOUNT, DELETE_KEYS, UNINDEX }

    /** Called before each step; a test's hook throws to stand for a process that dies there. */
    public interface StepHook {
        void before(Step step, String taskId);
    }

    private final RedisConnector redis;
    private final StepHook hook;

    public TaskStore(RedisConnector redis) {
        this(redis, (step, id) -> { });
    }

    public TaskStore(RedisConnector redis, StepHook hook) {
        this.redis = redis;
        this.hook = hook;
    }

    /** {@code metal:{task:<id>}}: the hash tag every key of the task starts with, and its hash. */
    public static String taskKey(String taskId) {
        return "metal:{task:" + taskId + "}";
    }

    public static String registrationKey(String taskId) {
        return taskKey(taskId) + ":registration";
    }

    public static String promptsKey(String taskId) {
        return taskKey(taskId) + ":prompts";
    }

    public static String promptKey(String taskId, String pgmVersion) {
        return taskKey(taskId) + ":prompt:" + pgmVersion;
    }

    public static String tenantTasksKey(String tenant) {
        return "metal:{tenant:" + tenant + "}:tasks";
    }

    /** The index bucket of a task id: a stable hash (CRC32 of its UTF-8 bytes) modulo {@link #INDEX_BUCKETS}. */
    public static int indexBucket(String taskId) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(taskId.getBytes(UTF_8));
        return (int) (crc.getValue() % INDEX_BUCKETS);
    }

    /** {@code metal:{tasks:<bucket>}:index}: a sorted set of task ids (all scores 0, so ordered by id). */
    public static String indexKey(int bucket) {
        return "metal:{tasks:" + bucket + "}:index";
    }

    /**
     * Adds the task id (ARGV[1]) to its tenant's set (KEYS[1]) unless the set already holds ARGV[2] ids: one script,
     * so concurrent registrations of one tenant cannot overshoot the quota. Answers 1 when the id is in the set.
     */
    private static final String RESERVE_SLOT = """
            if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
            if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
            redis.call('SADD', KEYS[1], ARGV[1])
            return 1""";

    private RedisClusterCommands<byte[], byte[]> sync() {
        return redis.sync();
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    /** Records a new task as pending, with its registration (kept so prompts can be regenerated). */
    public void register(TaskRegistered task) {
        hook.before(Step.RESERVE_QUOTA, task.taskId());
        sync().sadd(b(tenantTasksKey(task.tenant())), b(task.taskId()));
        index(task.taskId());
        write(task);
    }

    /**
     * Records a new task as pending, as {@link #register(TaskRegistered)} does, unless its tenant already has
     * {@code maxTasksPerTenant} tasks: then nothing is written and the answer is false.
     */
    public boolean register(TaskRegistered task, int maxTasksPerTenant) {
        hook.before(Step.RESERVE_QUOTA, task.taskId());
        Long reserved = sync().eval(RESERVE_SLOT, ScriptOutputType.INTEGER,
                new byte[][] {b(tenantTasksKey(task.tenant()))}, b(task.taskId()), b(Integer.toString(maxTasksPerTenant)));
        if (reserved == null || reserved == 0L) {
            return false;
        }
        index(task.taskId());
        write(task);
        return true;
    }

    /** How many tasks a tenant has (registered and not yet deleted). */
    public long taskCount(String tenant) {
        return sync().scard(b(tenantTasksKey(tenant)));
    }

    private void index(String taskId) {
        hook.before(Step.INDEX, taskId);
        sync().zadd(b(indexKey(indexBucket(taskId))), 0, b(taskId));
    }

    /** The task's hash last: the task exists for readers once it is written. */
    private void write(TaskRegistered task) {
        hook.before(Step.WRITE_TASK, task.taskId());
        Map<byte[], byte[]> fields = new HashMap<>();
        fields.put(b("tenant"), b(task.tenant()));
        fields.put(b("status"), b(TaskRecord.PENDING));
        fields.put(b("design"), b(task.design().name()));
        fields.put(b("options"), b(json(task.options())));
        fields.put(b("demonstrations"), b(Integer.toString(task.demonstrations())));
        fields.put(b("createdAt"), b(task.registeredAt().toString()));
        saveRegistration(task);
        sync().hset(b(taskKey(task.taskId())), fields);
    }

    /** Keeps the registration (its examples give the XL demonstrations and allow regeneration), status untouched. */
    public void saveRegistration(TaskRegistered task) {
        sync().set(b(registrationKey(task.taskId())), EventCodec.encode(task));
    }

    /** The task, if known. */
    public Optional<TaskRecord> find(String taskId) {
        Map<byte[], byte[]> raw = sync().hgetall(b(taskKey(taskId)));
        if (raw == null || raw.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> f = new HashMap<>();
        raw.forEach((k, v) -> f.put(new String(k, UTF_8), new String(v, UTF_8)));
        return Optional.of(new TaskRecord(taskId, f.get("tenant"), f.get("status"),
                PromptDesign.valueOf(f.get("design")), list(f.get("options")),
                Integer.parseInt(f.getOrDefault("demonstrations", "0")),
                f.containsKey("createdAt") ? Instant.parse(f.get("createdAt")) : null, f.get("pgmVersion"),
                f.containsKey("k") ? Integer.valueOf(f.get("k")) : null, f.get("promptText"), f.get("reason")));
    }

    /** The registration a task was created with, if known. */
    public Optional<TaskRegistered> registration(String taskId) {
        byte[] raw = sync().get(b(registrationKey(taskId)));
        return raw == null ? Optional.empty() : Optional.of((TaskRegistered) EventCodec.decode(raw,
                io.metalprompt.events.TaskEvent.class));
    }

    /** Stores the artifact and marks the task ready with this version, atomically. */
    public void storeReady(String taskId, String pgmVersion, int k, String promptText, byte[] artifact) {
        Map<byte[], byte[]> fields = new HashMap<>();
        fields.put(b("status"), b(TaskRecord.READY));
        fields.put(b("pgmVersion"), b(pgmVersion));
        fields.put(b("k"), b(Integer.toString(k)));
        if (promptText != null) {
            fields.put(b("promptText"), b(promptText));
        }
        RedisClusterCommands<byte[], byte[]> c = sync();
        c.set(b(promptKey(taskId, pgmVersion)), artifact);
        c.sadd(b(promptsKey(taskId)), b(pgmVersion));
        c.hdel(b(taskKey(taskId)), b("reason"));
        c.hset(b(taskKey(taskId)), fields);
    }

    /**
     * One page of a walk over every task: task ids and the cursor to go on from ({@code "0"}: the walk is complete).
     * A cursor is {@code <bucket>:<last id>} (the index bucket and the last id returned from it).
     */
    public record TaskPage(List<String> taskIds, String cursor) {
        public boolean last() {
            return "0".equals(cursor);
        }
    }

    /**
     * Up to {@code count} task ids from {@code cursor} on ({@code "0"} starts a walk), in index order: bucket by bucket,
     * and by id within a bucket ({@code ZRANGEBYLEX} after the last id). A walk to the last page returns every task
     * that existed during the whole walk exactly once, tasks added or removed meanwhile at most once; the cursor can
     * be saved and resumed from in another process. Each page costs O(log n + count) in one bucket (of n ids), never a
     * pass over the keyspace.
     */
    public TaskPage scanTasks(String cursor, int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("page size must be positive: " + count);
        }
        int bucket = 0;
        String after = null;
        int colon = cursor.indexOf(':');
        if (colon > 0) {   // "0", or a cursor of another walk (an old SCAN cursor): from the start, which is harmless
            try {
                bucket = Integer.parseInt(cursor.substring(0, colon));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a task walk cursor: " + cursor);
            }
            after = colon == cursor.length() - 1 ? null : cursor.substring(colon + 1);
            if (bucket < 0 || bucket >= INDEX_BUCKETS) {
                throw new IllegalArgumentException("not a task walk cursor: " + cursor);
            }
        }
        List<String> ids = new java.util.ArrayList<>();
        while (bucket < INDEX_BUCKETS) {
            Range<byte[]> range = Range.from(after == null ? Range.Boundary.unbounded() : Range.Boundary.excluding(b(after)),
                    Range.Boundary.unbounded());
            List<byte[]> page = sync().zrangebylex(b(indexKey(bucket)), range, Limit.create(0, count - ids.size()));
            for (byte[] id : page) {
                ids.add(new String(id, UTF_8));
            }
            if (ids.size() >= count) {
                return new TaskPage(ids, bucket + ":" + ids.get(ids.size() - 1));
            }
            bucket++;
            after = null;
        }
        return new TaskPage(ids, "0");
    }

    /** How many ids the walk's index holds (every task, and ids of tasks whose registration or deletion was cut short). */
    public long indexedTasks() {
        long n = 0;
        for (int bucket = 0; bucket < INDEX_BUCKETS; bucket++) {
            n += sync().zcard(b(indexKey(bucket)));
        }
        return n;
    }

    // KEYS: task hash, prompt-version set, new prompt key. ARGV: version, k, prompt text ('' = none), artifact,
    // prefix of the task's prompt keys. Keeps the new and the previous version's prompts, drops older ones.
    private static final String SWITCH_VERSION = """
            if redis.call('HGET', KEYS[1], 'status') ~= 'ready' then return 0 end
            local previous = redis.call('HGET', KEYS[1], 'pgmVersion')
            redis.call('SET', KEYS[3], ARGV[4])
            redis.call('SADD', KEYS[2], ARGV[1])
            redis.call('HSET', KEYS[1], 'pgmVersion', ARGV[1], 'k', ARGV[2])
            if ARGV[3] == '' then redis.call('HDEL', KEYS[1], 'promptText') else redis.call('HSET', KEYS[1], 'promptText', ARGV[3]) end
            for _, v in ipairs(redis.call('SMEMBERS', KEYS[2])) do
              if v ~= ARGV[1] and v ~= previous then
                redis.call('DEL', ARGV[5] .. v)
                redis.call('SREM', KEYS[2], v)
              end
            end
            return 1
            """;

    /**
     * Moves a ready task to another PGM version in one atomic step: stores {@code artifact} under the version, then
     * points the task at it. The prompts of the new and of the previous version stay (a worker may still be
     * reading the previous one, and rolling back to it needs no generation); older versions' prompts are removed.
     * Returns false, writing nothing, when the task is no longer ready (deleted meanwhile, for example).
     */
    public boolean switchVersion(String taskId, String pgmVersion, int k, String promptText, byte[] artifact) {
        Long r = sync().eval(SWITCH_VERSION, ScriptOutputType.INTEGER,
                new byte[][] {b(taskKey(taskId)), b(promptsKey(taskId)), b(promptKey(taskId, pgmVersion))},
                b(pgmVersion), b(Integer.toString(k)), b(promptText == null ? "" : promptText), artifact,
                b(promptKey(taskId, "")));   // the old prompts' keys: of the task's tag, so of its slot
        return r != null && r == 1;
    }

    /** Marks the task failed with a reason the user can act on. */
    public void markFailed(String taskId, String reason) {
        Map<byte[], byte[]> fields = new HashMap<>();
        fields.put(b("status"), b(TaskRecord.FAILED));
        fields.put(b("reason"), b(reason));
        sync().hset(b(taskKey(taskId)), fields);
    }

    /** The stored artifact of a task for a PGM version, if any. */
    public Optional<byte[]> artifact(String taskId, String pgmVersion) {
        return Optional.ofNullable(sync().get(b(promptKey(taskId, pgmVersion))));
    }

    /**
     * Removes the task, its registration and every stored prompt version, and takes it off its tenant's set and off
     * the index: first off the tenant's set (a cut-short deletion leaves a task that is not counted, and a retry
     * finds its tenant), then every key of the task in one {@code DEL} (the task disappears at once), then off the
     * index. Idempotent.
     */
    public void delete(String taskId) {
        RedisClusterCommands<byte[], byte[]> c = sync();
        byte[] tenant = c.hget(b(taskKey(taskId)), b("tenant"));
        if (tenant != null) {
            hook.before(Step.UNCOUNT, taskId);
            c.srem(b(tenantTasksKey(new String(tenant, UTF_8))), b(taskId));
        }
        List<byte[]> keys = new java.util.ArrayList<>(List.of(b(taskKey(taskId)), b(registrationKey(taskId)),
                b(promptsKey(taskId))));
        for (byte[] version : c.smembers(b(promptsKey(taskId)))) {
            keys.add(b(promptKey(taskId, new String(version, UTF_8))));
        }
        hook.before(Step.DELETE_KEYS, taskId);
        c.del(keys.toArray(new byte[0][]));   // one command, one slot (one tag): the task disappears at once
        hook.before(Step.UNINDEX, taskId);
        c.zrem(b(indexKey(indexBucket(taskId))), b(taskId));
    }

    private static String json(List<String> list) {
        try {
            return JSON.writeValueAsString(list);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static List<String> list(String json) {
        if (json == null) {
            return List.of();
        }
        try {
            return JSON.readValue(json, new TypeReference<List<String>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt options field in Redis: " + json, e);
        }
    }
}
