package io.metalprompt.store;

import static io.metalprompt.store.Refinements.refineKey;
import static io.metalprompt.store.Refinements.tenantRefiningKey;
import static io.metalprompt.store.ExampleStore.addedExamplesKey;
import static io.metalprompt.store.ExampleStore.validationKey;
import static io.metalprompt.store.TaskIndex.indexBucket;
import static io.metalprompt.store.TaskIndex.indexKey;
import static io.metalprompt.store.TaskIndex.tenantIndexKey;
import static io.metalprompt.store.TaskPrompts.promptKey;
import static io.metalprompt.store.TaskPrompts.promptsKey;
import static io.metalprompt.store.TaskPrompts.versionPromptKey;
import static io.metalprompt.store.TaskPrompts.versionSeqKey;
import static io.metalprompt.store.TaskPrompts.versionsKey;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.metalprompt.events.EventCodec;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskRegistered;

/**
 * A task's life cycle in Redis, from registration to deletion (keys in {@code docs/architecture.md}, "Redis keys"):
 * its hash {@code metal:{task:<id>}} (tenant, status, design, options, the prompt it serves), its registration JSON
 * {@code metal:{task:<id>}:registration}, the deletion mark {@code metal:{task:<id>}:deleted}, and its tenant's set of
 * task ids {@code metal:{tenant:<name>}:tasks} (what the task quota counts). A task's keys share the hash tag
 * {@code {task:<id>}}, so they live in one slot of a Redis Cluster and one script may touch them all; the rest of a
 * task is kept by {@link TaskPrompts} (its prompts), {@link ExampleStore} (its added and validation examples) and
 * {@link Refinements}, the indexes of tasks by {@link TaskIndex}. A deletion removes every key of the task.
 *
 * <p>Registering and deleting touch three tags (tenant, index bucket, task), which no script may do in a Cluster, so
 * each is an ordered sequence of idempotent steps ({@link Step}) whose every prefix leaves a state readers handle and
 * a retry completes: registration reserves the tenant's quota and lists the task by time (one step on the tenant's
 * tag), adds the id to the index, then writes the task (the task appears only with that last step; a listing skips
 * an entry whose task is not written yet); deletion takes the id off its tenant's set and listing, removes the task's
 * keys in one {@code DEL}, then takes it off the index. A left-over index entry of a deleted task is skipped by the
 * walk. No MULTI/EXEC: the connection is shared by many threads, and a transaction on a shared Lettuce connection
 * would take in other threads' commands. The prompt-generator's batches pipeline their reads and writes
 * ({@link #findAll}, {@link #saveRegistrations}, {@link TaskPrompts#storeFirstPrompts}): each task's is still one
 * command or one script, only the waiting for the answers is shared.
 */
public final class TaskStore {

    private static final ObjectMapper JSON = new ObjectMapper();

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

    /**
     * {@code metal:{task:<id>}:deleted}: the task was deleted (kept {@link #DELETED_TTL}, as long as the registrations
     * topic keeps records), so that a registration record still on its way to a prompt-generator does not bring it back.
     */
    public static String deletedKey(String taskId) {
        return taskKey(taskId) + ":deleted";
    }

    /** How long a deletion is remembered: the retention of {@code metal.task-registrations} (7 days). */
    public static final java.time.Duration DELETED_TTL = java.time.Duration.ofDays(7);

    public static String registrationKey(String taskId) {
        return taskKey(taskId) + ":registration";
    }

    public static String tenantTasksKey(String tenant) {
        return "metal:{tenant:" + tenant + "}:tasks";
    }

    /**
     * Adds the task id (ARGV[1]) to its tenant's set (KEYS[1]) unless the set already holds ARGV[2] ids, and to the
     * tenant's listing (KEYS[2], score ARGV[3], its registration time in epoch ms): one script on the tenant's tag, so
     * concurrent registrations of one tenant cannot overshoot the quota, and a reserved task is listed. Answers 1 when
     * the id is in the set. A retry (the id already in the set) lists it again: a listing may have dropped a dangling
     * entry meanwhile.
     */
    private static final String RESERVE_SLOT = """
            if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then
              if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
              redis.call('SADD', KEYS[1], ARGV[1])
            end
            redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
            return 1""";

    private RedisClusterCommands<byte[], byte[]> sync() {
        return redis.sync();
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    /** Records a new task as pending, with its registration (kept so prompts can be regenerated). */
    public boolean register(TaskRegistered task) {
        if (deleted(task.taskId())) {
            return false;
        }
        hook.before(Step.RESERVE_QUOTA, task.taskId());
        sync().sadd(b(tenantTasksKey(task.tenant())), b(task.taskId()));
        sync().zadd(b(tenantIndexKey(task.tenant())), (double) task.registeredAt().toEpochMilli(), b(task.taskId()));
        index(task.taskId());
        write(task);
        return true;
    }

    /** Whether the task was deleted (in the last {@link #DELETED_TTL}). */
    public boolean deleted(String taskId) {
        Long n = sync().exists(b(deletedKey(taskId)));
        return n != null && n > 0;
    }

    /**
     * Records a new task as pending, as {@link #register(TaskRegistered)} does, unless its tenant already has
     * {@code maxTasksPerTenant} tasks: then nothing is written and the answer is false.
     */
    public boolean register(TaskRegistered task, int maxTasksPerTenant) {
        hook.before(Step.RESERVE_QUOTA, task.taskId());
        Long reserved = sync().eval(RESERVE_SLOT, ScriptOutputType.INTEGER,
                new byte[][] {b(tenantTasksKey(task.tenant())), b(tenantIndexKey(task.tenant()))}, b(task.taskId()),
                b(Integer.toString(maxTasksPerTenant)), b(Long.toString(task.registeredAt().toEpochMilli())));
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

    /** {@link #saveRegistration} of each, pipelined. */
    public void saveRegistrations(List<TaskRegistered> tasks) {
        List<io.lettuce.core.RedisFuture<String>> writes = new java.util.ArrayList<>();
        for (TaskRegistered task : tasks) {
            writes.add(redis.async().set(b(registrationKey(task.taskId())), EventCodec.encode(task)));
        }
        RedisConnector.await(writes);
    }

    /** The task, if known. */
    public Optional<TaskRecord> find(String taskId) {
        return record(taskId, sync().hgetall(b(taskKey(taskId))));
    }

    /** {@link #find} of each id, in order; the reads pipelined (about one round trip for them all). */
    public List<Optional<TaskRecord>> findAll(List<String> taskIds) {
        List<io.lettuce.core.RedisFuture<Map<byte[], byte[]>>> reads = new java.util.ArrayList<>();
        for (String id : taskIds) {
            reads.add(redis.async().hgetall(b(taskKey(id))));
        }
        List<Map<byte[], byte[]>> hashes = RedisConnector.await(reads);
        List<Optional<TaskRecord>> out = new java.util.ArrayList<>();
        for (int i = 0; i < taskIds.size(); i++) {
            out.add(record(taskIds.get(i), hashes.get(i)));
        }
        return out;
    }

    private static Optional<TaskRecord> record(String taskId, Map<byte[], byte[]> hash) {
        return textHash(hash).map(f -> new TaskRecord(taskId, f.get("tenant"), f.get("status"),
                PromptDesign.valueOf(f.get("design")), list(f.get("options")),
                Integer.parseInt(f.getOrDefault("demonstrations", "0")),
                f.containsKey("createdAt") ? Instant.parse(f.get("createdAt")) : null, f.get("pgmVersion"),
                f.containsKey("k") ? Integer.valueOf(f.get("k")) : null, f.get("promptText"), f.get("reason"),
                f.containsKey("version") ? Integer.valueOf(f.get("version")) : null));
    }

    /** A hash's fields as text, or empty when the hash does not exist (also read by {@link Refinements}). */
    static Optional<Map<String, String>> textHash(Map<byte[], byte[]> raw) {
        if (raw == null || raw.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> f = new HashMap<>();
        raw.forEach((k, v) -> f.put(new String(k, UTF_8), new String(v, UTF_8)));
        return Optional.of(f);
    }

    /** The registration a task was created with, if known. */
    public Optional<TaskRegistered> registration(String taskId) {
        byte[] raw = sync().get(b(registrationKey(taskId)));
        return raw == null ? Optional.empty() : Optional.of((TaskRegistered) EventCodec.decode(raw,
                io.metalprompt.events.TaskEvent.class));
    }

    /** Marks the task failed with a reason the user can act on. */
    private static final String MARK_FAILED = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
            redis.call('HSET', KEYS[1], 'status', 'failed', 'reason', ARGV[1])
            return 1
            """;

    /** Marks the task failed with the reason, unless it is gone (deleted meanwhile): nothing is written then. */
    public void markFailed(String taskId, String reason) {
        sync().eval(MARK_FAILED, ScriptOutputType.INTEGER, new byte[][] {b(taskKey(taskId))}, b(reason));
    }

    /** The bytes the task holds in Redis now: its registration (the examples) and every stored prompt artifact. */
    public long bytesStored(String taskId) {
        RedisClusterCommands<byte[], byte[]> c = sync();
        long bytes = c.strlen(b(registrationKey(taskId)));
        for (byte[] version : c.smembers(b(promptsKey(taskId)))) {
            bytes += c.strlen(b(promptKey(taskId, new String(version, UTF_8))));
        }
        for (byte[] example : c.lrange(b(addedExamplesKey(taskId)), 0, -1)) {
            bytes += example.length;
        }
        for (byte[] example : c.lrange(b(validationKey(taskId)), 0, -1)) {
            bytes += example.length;
        }
        for (byte[] number : c.hkeys(b(versionsKey(taskId)))) {
            bytes += c.strlen(b(versionPromptKey(taskId, Integer.parseInt(new String(number, UTF_8)))));
        }
        return bytes;
    }

    /**
     * Removes the task, its registration and every stored prompt version, and takes it off its tenant's set and off
     * the index: first off the tenant's set (a cut-short deletion leaves a task that is not counted, and a retry
     * finds its tenant), then every key of the task in one {@code DEL} (the task disappears at once), then off the
     * index. Idempotent.
     */
    public void delete(String taskId) {
        RedisClusterCommands<byte[], byte[]> c = sync();
        // first: a registration record still on its way to a prompt-generator must not bring the task back
        c.set(b(deletedKey(taskId)), b("1"), io.lettuce.core.SetArgs.Builder.ex(DELETED_TTL.toSeconds()));
        byte[] tenant = c.hget(b(taskKey(taskId)), b("tenant"));
        if (tenant != null) {
            hook.before(Step.UNCOUNT, taskId);
            String name = new String(tenant, UTF_8);
            c.srem(b(tenantTasksKey(name)), b(taskId));   // the tenant's keys: one tag, each command idempotent
            c.zrem(b(tenantIndexKey(name)), b(taskId));
            c.srem(b(tenantRefiningKey(name)), b(taskId));
        }
        List<byte[]> keys = new java.util.ArrayList<>(List.of(b(taskKey(taskId)), b(registrationKey(taskId)),
                b(promptsKey(taskId))));
        for (byte[] version : c.smembers(b(promptsKey(taskId)))) {
            keys.add(b(promptKey(taskId, new String(version, UTF_8))));
        }
        // with them its prompt versions (issue 16): their keys carry the task's tag, so still one command, one slot
        keys.addAll(List.of(b(versionsKey(taskId)), b(addedExamplesKey(taskId)), b(versionSeqKey(taskId)),
                b(validationKey(taskId)), b(refineKey(taskId))));
        for (byte[] number : c.hkeys(b(versionsKey(taskId)))) {
            keys.add(b(versionPromptKey(taskId, Integer.parseInt(new String(number, UTF_8)))));
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
