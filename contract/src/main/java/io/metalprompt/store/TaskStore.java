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
import io.lettuce.core.ScoredValue;
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
 * of stored versions), and the prompt versions of issue 16 ({@code :versions}, {@code :examples},
 * {@code :validation}, {@code :version-seq}, {@code :refine}, {@code :version-prompt:<n>}). A tenant's keys share
 * {@code {tenant:<name>}}: {@code metal:{tenant:<name>}:tasks} (its task ids, for its task quota),
 * {@code metal:{tenant:<name>}:tasks-by-time} (its task ids by registration time, for listing) and
 * {@code metal:{tenant:<name>}:refining} (its tasks being refined). The walk over every task (the rollout) pages
 * through {@value #INDEX_BUCKETS} sorted sets {@code metal:{tasks:<bucket>}:index}, the bucket a hash of the id,
 * instead of scanning the keyspace.
 *
 * <p>Registering and deleting touch three tags (tenant, index bucket, task), which no script may do in a Cluster, so
 * each is an ordered sequence of idempotent steps ({@link Step}) whose every prefix leaves a state readers handle and
 * a retry completes: registration reserves the tenant's quota and lists the task by time (one step on the tenant's
 * tag), adds the id to the index, then writes the task (the task appears only with that last step; a listing skips
 * an entry whose task is not written yet); deletion takes the id off its tenant's set and listing, removes the task's
 * keys in one {@code DEL}, then takes it off the index. A left-over index entry of a deleted task is skipped by the
 * walk. Writes of one task are ordered so no reader sees a ready task without its prompt: the artifact first, then
 * the status. No MULTI/EXEC: the connection is shared by many threads, and a transaction on a shared Lettuce
 * connection would take in other threads' commands. The prompt-generator's batches pipeline their reads and writes
 * ({@link #findAll}, {@link #saveRegistrations}, {@link #storeFirstPrompts}): each task's is still one command or one
 * script, only the waiting for the answers is shared.
 */
public final class TaskStore {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper VERSIONS = new ObjectMapper()
            .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

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
     * The tenant's tasks by registration time (sorted set: task id, score = {@code registeredAt} in epoch ms), what
     * {@code GET /v1/tasks} pages over. Hash-tagged by tenant, so it stays one slot in a Redis Cluster.
     */
    public static String tenantIndexKey(String tenant) {
        return "metal:{tenant:" + tenant + "}:tasks-by-time";
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

    /** One entry of a tenant's task index: a task id and its registration time (epoch ms). */
    public record IndexEntry(String taskId, long registeredAtMillis) {
    }

    /**
     * Up to {@code count} entries of the tenant's task index, newest first, strictly after the entry
     * ({@code afterMillis}, {@code afterId}) in that order (null: from the newest). Order: time descending, then id
     * descending, as Redis orders equal scores in reverse; so a page boundary is a point of that order, and tasks
     * registered later (a later time) never come after it.
     */
    public List<IndexEntry> newest(String tenant, Long afterMillis, String afterId, int count) {
        List<IndexEntry> out = new java.util.ArrayList<>(count);
        Range<Double> range = afterMillis == null
                ? Range.unbounded()
                : Range.create(Double.NEGATIVE_INFINITY, (double) afterMillis);
        long offset = 0;
        int batch = Math.max(count, 16);
        while (out.size() < count) {
            List<ScoredValue<byte[]>> got = sync().zrevrangebyscoreWithScores(
                    b(tenantIndexKey(tenant)), range, Limit.create(offset, batch));
            for (ScoredValue<byte[]> v : got) {
                String id = new String(v.getValue(), UTF_8);
                long millis = (long) v.getScore();
                if (afterMillis != null && millis == afterMillis && id.compareTo(afterId) >= 0) {
                    continue;   // at or before the cursor in the order (same millisecond, larger or equal id)
                }
                out.add(new IndexEntry(id, millis));
                if (out.size() == count) {
                    break;
                }
            }
            if (got.size() < batch) {
                break;
            }
            offset += got.size();
        }
        return out;
    }

    /** Takes a task id off its tenant's index (for an entry whose task is gone). */
    public void unindex(String tenant, String taskId) {
        sync().zrem(b(tenantIndexKey(tenant)), b(taskId));
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

    /** A hash's fields as text, or empty when the hash does not exist. */
    private Optional<Map<String, String>> textHash(String key) {
        return textHash(sync().hgetall(b(key)));
    }

    private static Optional<Map<String, String>> textHash(Map<byte[], byte[]> raw) {
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

    // KEYS: task hash, prompt-version set, new prompt key, deletion mark. ARGV: version, k, prompt text ('' = none),
    // artifact. Nothing is written for a task that is gone: a deleted task's keys must not come back in part.
    private static final String STORE_READY = """
            if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
            redis.call('SET', KEYS[3], ARGV[4])
            redis.call('SADD', KEYS[2], ARGV[1])
            redis.call('HDEL', KEYS[1], 'reason')
            redis.call('HSET', KEYS[1], 'status', 'ready', 'pgmVersion', ARGV[1], 'k', ARGV[2])
            if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'promptText', ARGV[3]) end
            return 1
            """;

    /**
     * Stores the artifact and marks the task ready with this version, in one step (one script on the task's tag).
     * False, writing nothing, when the task is gone (deleted while its prompt was being made).
     */
    public boolean storeReady(String taskId, String pgmVersion, int k, String promptText, byte[] artifact) {
        Long r = sync().eval(STORE_READY, ScriptOutputType.INTEGER,
                new byte[][] {b(taskKey(taskId)), b(promptsKey(taskId)), b(promptKey(taskId, pgmVersion)),
                        b(deletedKey(taskId))},
                b(pgmVersion), b(Integer.toString(k)), b(promptText == null ? "" : promptText), artifact);
        return r != null && r == 1;
    }

    /** A task's first prompt: what {@link #storeReady} stores, and the description of the version it is. */
    public record FirstPrompt(String taskId, String pgmVersion, int k, String promptText, byte[] artifact,
                              PromptVersion version) {
    }

    // STORE_READY, then (KEYS[5], the versions hash; ARGV[5], ARGV[6]) the version's description, in the same step.
    private static final String STORE_FIRST = STORE_READY.replace("return 1\n",
            "redis.call('HSET', KEYS[5], ARGV[5], ARGV[6])\nreturn 1\n");

    /**
     * {@link #storeReady} of each prompt with its version's description recorded in the same script, so a task is
     * never ready without it (nor described once gone); the scripts pipelined (about one round trip for them all).
     * True where stored, false (nothing written) where the task is gone.
     */
    public boolean[] storeFirstPrompts(List<FirstPrompt> prompts) {
        List<io.lettuce.core.RedisFuture<Long>> writes = new java.util.ArrayList<>();
        for (FirstPrompt p : prompts) {
            byte[] description;
            try {
                description = VERSIONS.writeValueAsBytes(p.version());
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(e);
            }
            writes.add(redis.async().eval(STORE_FIRST, ScriptOutputType.INTEGER,
                    new byte[][] {b(taskKey(p.taskId())), b(promptsKey(p.taskId())), b(promptKey(p.taskId(), p.pgmVersion())),
                            b(deletedKey(p.taskId())), b(versionsKey(p.taskId()))},
                    b(p.pgmVersion()), b(Integer.toString(p.k())), b(p.promptText() == null ? "" : p.promptText()),
                    p.artifact(), b(Integer.toString(p.version().number())), description));
        }
        List<Long> done = RedisConnector.await(writes);
        boolean[] out = new boolean[done.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = done.get(i) != null && done.get(i) == 1L;
        }
        return out;
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
            if tonumber(redis.call('HGET', KEYS[1], 'version') or '1') > 1 then return 0 end
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
     * Returns false, writing nothing, when the task is no longer ready (deleted meanwhile, for example), or when it
     * serves a later prompt version (made from more examples, {@link #servePromptVersion}): that prompt stays served.
     */
    public boolean switchVersion(String taskId, String pgmVersion, int k, String promptText, byte[] artifact) {
        Long r = sync().eval(SWITCH_VERSION, ScriptOutputType.INTEGER,
                new byte[][] {b(taskKey(taskId)), b(promptsKey(taskId)), b(promptKey(taskId, pgmVersion))},
                b(pgmVersion), b(Integer.toString(k)), b(promptText == null ? "" : promptText), artifact,
                b(promptKey(taskId, "")));   // the old prompts' keys: of the task's tag, so of its slot
        return r != null && r == 1;
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

    // ---------------------------------------------------------------- prompt versions (issue 16)

    public static String versionsKey(String taskId) {
        return "metal:{task:" + taskId + "}:versions";
    }

    public static String addedExamplesKey(String taskId) {
        return "metal:{task:" + taskId + "}:examples";
    }

    public static String versionSeqKey(String taskId) {
        return "metal:{task:" + taskId + "}:version-seq";
    }

    public static String versionPromptKey(String taskId, int version) {
        return "metal:{task:" + taskId + "}:version-prompt:" + version;   // not :prompt:<n>, a PGM version's key
    }

    public static String validationKey(String taskId) {
        return "metal:{task:" + taskId + "}:validation";
    }

    // KEYS: added examples, version sequence, validation examples (lists; one hash tag). ARGV: registered examples,
    // most examples, how many of the rest are examples, then the examples' and the validation examples' JSON.
    // -1: too many examples in all, nothing written; else the new version's number (2, 3, ...).
    private static final String ADD_EXAMPLES = """
            local held = tonumber(ARGV[1]) + redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[3])
            if held + #ARGV - 3 > tonumber(ARGV[2]) then return -1 end
            local n = tonumber(ARGV[3])
            for i = 4, 3 + n do redis.call('RPUSH', KEYS[1], ARGV[i]) end
            for i = 4 + n, #ARGV do redis.call('RPUSH', KEYS[3], ARGV[i]) end
            return redis.call('INCR', KEYS[2]) + 1""";

    /**
     * Appends examples and validation examples to the task and allots the next prompt version's number in one step
     * (the keys carry the task's hash tag), unless the task would then hold more than {@code maxExamples} (its
     * {@code registered} examples and every validation example included): then nothing is written and the answer is -1.
     */
    public int addExamples(String taskId, int registered, List<io.metalprompt.events.Example> examples,
                           List<io.metalprompt.events.Example> validation, int maxExamples) {
        byte[][] args = new byte[3 + examples.size() + validation.size()][];
        args[0] = b(Integer.toString(registered));
        args[1] = b(Integer.toString(maxExamples));
        args[2] = b(Integer.toString(examples.size()));
        int i = 3;
        for (io.metalprompt.events.Example e : examples) {
            args[i++] = EventCodec.encode(e);
        }
        for (io.metalprompt.events.Example e : validation) {
            args[i++] = EventCodec.encode(e);
        }
        Long version = sync().eval(ADD_EXAMPLES, ScriptOutputType.INTEGER,
                new byte[][] {b(addedExamplesKey(taskId)), b(versionSeqKey(taskId)), b(validationKey(taskId))}, args);
        return version == null ? -1 : version.intValue();
    }

    // ---------------------------------------------------------------- background refinement (issue 16)

    public static String refineKey(String taskId) {
        return "metal:{task:" + taskId + "}:refine";
    }

    public static String tenantRefiningKey(String tenant) {
        return "metal:{tenant:" + tenant + "}:refining";
    }

    /** A task's background refinement: the steps asked for, its status and the version it makes. */
    public record Refinement(int steps, String status, int version) {
        public static final String QUEUED = "queued";
        public static final String RUNNING = "running";
        public static final String DONE = "done";
        public static final String REJECTED = "rejected";
    }

    // KEYS: the tenant's set of tasks being refined. ARGV: task id, most at once. 1 taken, 0 this task already, -1 full.
    private static final String TAKE_REFINE_SLOT = """
            if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 0 end
            if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
            redis.call('SADD', KEYS[1], ARGV[1])
            return 1""";

    /**
     * Queues a refinement of the task unless it has one queued or running (0) or its tenant has {@code maxPerTenant}
     * (-1); else allots the version it makes (returned) and records it as queued. The slot is taken by one script on
     * the tenant's set (its hash tag), the version and state then by commands on the task's keys (its tag).
     */
    public int queueRefinement(String tenant, String taskId, int steps, int maxPerTenant) {
        Long slot = sync().eval(TAKE_REFINE_SLOT, ScriptOutputType.INTEGER, new byte[][] {b(tenantRefiningKey(tenant))},
                b(taskId), b(Integer.toString(maxPerTenant)));
        if (slot == null || slot != 1L) {
            return slot == null ? -1 : slot.intValue();
        }
        int version = sync().incr(b(versionSeqKey(taskId))).intValue() + 1;
        Map<byte[], byte[]> fields = new HashMap<>();
        fields.put(b("steps"), b(Integer.toString(steps)));
        fields.put(b("status"), b(Refinement.QUEUED));
        fields.put(b("version"), b(Integer.toString(version)));
        sync().hset(b(refineKey(taskId)), fields);
        return version;
    }

    /** The task's last refinement, if any. */
    public Optional<Refinement> refinement(String taskId) {
        return textHash(refineKey(taskId)).map(f -> new Refinement(Integer.parseInt(f.getOrDefault("steps", "0")),
                f.get("status"), Integer.parseInt(f.getOrDefault("version", "0"))));
    }

    /** Marks the task's refinement running. */
    public void refinementRunning(String taskId) {
        sync().hset(b(refineKey(taskId)), b("status"), b(Refinement.RUNNING));
    }

    /** Ends the task's refinement ({@code done} or {@code rejected}) and frees its tenant's slot. */
    public void refinementEnded(String tenant, String taskId, String status) {
        if (sync().exists(b(taskKey(taskId))) == 1L) {
            sync().hset(b(refineKey(taskId)), b("status"), b(status));
        }
        sync().srem(b(tenantRefiningKey(tenant)), b(taskId));
    }

    /** Keeps a task's validation examples given at registration (or held out of its examples). */
    public void saveValidation(String taskId, List<io.metalprompt.events.Example> validation) {
        if (!validation.isEmpty()) {
            sync().rpush(b(validationKey(taskId)), validation.stream().map(EventCodec::encode).toArray(byte[][]::new));
        }
    }

    /** The task's validation examples: kept out of every prompt, used to score versions. */
    public List<io.metalprompt.events.Example> validation(String taskId) {
        return examples(validationKey(taskId));
    }

    /** The examples added to the task after its registration, in order. */
    public List<io.metalprompt.events.Example> addedExampleList(String taskId) {
        return examples(addedExamplesKey(taskId));
    }

    private List<io.metalprompt.events.Example> examples(String key) {
        return sync().lrange(b(key), 0, -1).stream()
                .map(raw -> EventCodec.decode(raw, io.metalprompt.events.Example.class)).toList();
    }

    /** How many examples were added to the task after its registration. */
    public long addedExamples(String taskId) {
        return sync().llen(b(addedExamplesKey(taskId)));
    }

    /** The task's prompt versions, by number (none recorded: empty; a task registered before versions has none). */
    public List<PromptVersion> versions(String taskId) {
        Map<byte[], byte[]> raw = sync().hgetall(b(versionsKey(taskId)));
        List<PromptVersion> out = new java.util.ArrayList<>();
        for (byte[] v : raw.values()) {
            try {
                out.add(VERSIONS.readValue(v, PromptVersion.class));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("corrupt prompt version of task " + taskId + " in Redis", e);
            }
        }
        out.sort(java.util.Comparator.comparingInt(PromptVersion::number));
        return out;
    }

    /** One prompt version of the task, if recorded. */
    public Optional<PromptVersion> version(String taskId, int number) {
        byte[] v = sync().hget(b(versionsKey(taskId)), b(Integer.toString(number)));
        try {
            return v == null ? Optional.empty() : Optional.of(VERSIONS.readValue(v, PromptVersion.class));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("corrupt prompt version of task " + taskId + " in Redis", e);
        }
    }

    /** Records (or rewrites) a prompt version's description; version 2 and later also store their artifact first. */
    public void saveVersion(String taskId, PromptVersion version, byte[] artifact) {
        if (artifact != null) {
            sync().set(b(versionPromptKey(taskId, version.number())), artifact);
        }
        try {
            sync().hset(b(versionsKey(taskId)), b(Integer.toString(version.number())), VERSIONS.writeValueAsBytes(version));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    // KEYS: the task hash, its versions hash. ARGV: version number, the version's JSON. Only while the task exists.
    private static final String REWRITE_VERSION = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
            redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
            return 1""";

    /**
     * Rewrites a recorded version's description (with its quality report, made after the version was served) in one
     * step with the check that the task still exists: a report finishing after the task was deleted writes nothing,
     * so no part of a deleted task comes back. True when written.
     */
    public boolean rewriteVersion(String taskId, PromptVersion version) {
        try {
            Long r = sync().eval(REWRITE_VERSION, ScriptOutputType.INTEGER,
                    new byte[][] {b(taskKey(taskId)), b(versionsKey(taskId))},
                    b(Integer.toString(version.number())), VERSIONS.writeValueAsBytes(version));
            return r != null && r == 1L;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    // KEYS: the task hash. ARGV: version, PGM version, k, prompt text ('' = none). Moves forward only, ready tasks only.
    private static final String SERVE_VERSION = """
            if redis.call('HGET', KEYS[1], 'status') ~= 'ready' then return 0 end
            if tonumber(ARGV[1]) <= tonumber(redis.call('HGET', KEYS[1], 'version') or '1') then return 0 end
            redis.call('HSET', KEYS[1], 'version', ARGV[1], 'pgmVersion', ARGV[2], 'k', ARGV[3])
            if ARGV[4] == '' then redis.call('HDEL', KEYS[1], 'promptText') else redis.call('HSET', KEYS[1], 'promptText', ARGV[4]) end
            return 1""";

    /**
     * Points the task at a stored prompt version in one atomic step on its hash (one key): only a ready task, and only
     * forward (a version finishing after a later one was served does not replace it). A worker reads the pointer and
     * the artifact it names ({@link #artifactFor}); the artifact is stored before ({@link #saveVersion}). True when
     * moved.
     */
    public boolean servePromptVersion(String taskId, int version, String pgmVersion, int k, String promptText) {
        Long r = sync().eval(SERVE_VERSION, ScriptOutputType.INTEGER, new byte[][] {b(taskKey(taskId))},
                b(Integer.toString(version)), b(pgmVersion), b(Integer.toString(k)), b(promptText == null ? "" : promptText));
        return r != null && r == 1L;
    }

    /** The stored artifact of prompt version {@code number} (2 and later), if any. */
    public Optional<byte[]> versionArtifact(String taskId, int number) {
        return Optional.ofNullable(sync().get(b(versionPromptKey(taskId, number))));
    }

    /** The artifact of the prompt version the task serves: version 1 under its PGM version, later ones by number. */
    public Optional<byte[]> artifactFor(TaskRecord task) {
        return task.servedVersion() <= 1 ? artifact(task.taskId(), task.pgmVersion())
                : versionArtifact(task.taskId(), task.servedVersion());
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
