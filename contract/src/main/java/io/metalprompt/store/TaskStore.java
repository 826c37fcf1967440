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

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import io.metalprompt.events.EventCodec;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskRegistered;

/**
 * Tasks and their prompt artifacts in Redis (keys in {@code docs/architecture.md}):
 * {@code metal:task:{id}} (hash), {@code metal:task:{id}:registration} (the registration JSON) and
 * {@code metal:prompt:{id}:{pgmVersion}} (the binary artifact), with {@code metal:task:{id}:prompts} (the set of
 * stored versions), {@code metal:tenant:{tenant}:tasks} (the set of a tenant's task ids, for its task quota) and
 * {@code metal:{tenant:T}:tasks-by-time} (the tenant's task ids by registration time, for listing).
 * Writes are ordered so no reader sees a ready task without its prompt: the artifact first,
 * then the status. No MULTI/EXEC: the connection is shared by many threads, and a transaction on a shared
 * Lettuce connection would take in other threads' commands.
 */
public final class TaskStore {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper VERSIONS = new ObjectMapper()
            .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final RedisConnector redis;

    public TaskStore(RedisConnector redis) {
        this.redis = redis;
    }

    public static String taskKey(String taskId) {
        return "metal:task:" + taskId;
    }

    public static String registrationKey(String taskId) {
        return "metal:task:" + taskId + ":registration";
    }

    public static String promptsKey(String taskId) {
        return "metal:task:" + taskId + ":prompts";
    }

    public static String promptKey(String taskId, String pgmVersion) {
        return "metal:prompt:" + taskId + ":" + pgmVersion;
    }

    public static String tenantTasksKey(String tenant) {
        return "metal:tenant:" + tenant + ":tasks";
    }

    /**
     * The tenant's tasks by registration time (sorted set: task id, score = {@code registeredAt} in epoch ms), what
     * {@code GET /v1/tasks} pages over. Hash-tagged by tenant, so it stays one slot in a Redis Cluster.
     */
    public static String tenantIndexKey(String tenant) {
        return "metal:{tenant:" + tenant + "}:tasks-by-time";
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

    private RedisCommands<byte[], byte[]> sync() {
        return redis.connection().sync();
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    /** Records a new task as pending, with its registration (kept so prompts can be regenerated). */
    public void register(TaskRegistered task) {
        sync().sadd(b(tenantTasksKey(task.tenant())), b(task.taskId()));
        write(task);
    }

    /**
     * Records a new task as pending, as {@link #register(TaskRegistered)} does, unless its tenant already has
     * {@code maxTasksPerTenant} tasks: then nothing is written and the answer is false.
     */
    public boolean register(TaskRegistered task, int maxTasksPerTenant) {
        Long reserved = sync().eval(RESERVE_SLOT, ScriptOutputType.INTEGER,
                new byte[][] {b(tenantTasksKey(task.tenant()))}, b(task.taskId()), b(Integer.toString(maxTasksPerTenant)));
        if (reserved == null || reserved == 0L) {
            return false;
        }
        write(task);
        return true;
    }

    /** How many tasks a tenant has (registered and not yet deleted). */
    public long taskCount(String tenant) {
        return sync().scard(b(tenantTasksKey(tenant)));
    }

    private void write(TaskRegistered task) {
        Map<byte[], byte[]> fields = new HashMap<>();
        fields.put(b("tenant"), b(task.tenant()));
        fields.put(b("status"), b(TaskRecord.PENDING));
        fields.put(b("design"), b(task.design().name()));
        fields.put(b("options"), b(json(task.options())));
        fields.put(b("demonstrations"), b(Integer.toString(task.demonstrations())));
        fields.put(b("createdAt"), b(task.registeredAt().toString()));
        // the index first: a listing skips an id whose hash is not there yet (TaskIndex), but a task whose hash is
        // there is always listed
        sync().zadd(b(tenantIndexKey(task.tenant())), (double) task.registeredAt().toEpochMilli(), b(task.taskId()));
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

    /** The task, if known. */
    public Optional<TaskRecord> find(String taskId) {
        return textHash(taskKey(taskId)).map(f -> new TaskRecord(taskId, f.get("tenant"), f.get("status"),
                PromptDesign.valueOf(f.get("design")), list(f.get("options")),
                Integer.parseInt(f.getOrDefault("demonstrations", "0")),
                f.containsKey("createdAt") ? Instant.parse(f.get("createdAt")) : null, f.get("pgmVersion"),
                f.containsKey("k") ? Integer.valueOf(f.get("k")) : null, f.get("promptText"), f.get("reason"),
                f.containsKey("version") ? Integer.valueOf(f.get("version")) : null));
    }

    /** A hash's fields as text, or empty when the hash does not exist. */
    private Optional<Map<String, String>> textHash(String key) {
        Map<byte[], byte[]> raw = sync().hgetall(b(key));
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

    /** Stores the artifact and marks the task ready with this version, atomically. */
    public void storeReady(String taskId, String pgmVersion, int k, String promptText, byte[] artifact) {
        Map<byte[], byte[]> fields = new HashMap<>();
        fields.put(b("status"), b(TaskRecord.READY));
        fields.put(b("pgmVersion"), b(pgmVersion));
        fields.put(b("k"), b(Integer.toString(k)));
        if (promptText != null) {
            fields.put(b("promptText"), b(promptText));
        }
        RedisCommands<byte[], byte[]> c = sync();
        c.set(b(promptKey(taskId, pgmVersion)), artifact);
        c.sadd(b(promptsKey(taskId)), b(pgmVersion));
        c.hdel(b(taskKey(taskId)), b("reason"));
        c.hset(b(taskKey(taskId)), fields);
    }

    /** One page of a walk over every task: task ids and the cursor to go on from ({@code "0"}: the walk is complete). */
    public record TaskPage(List<String> taskIds, String cursor) {
        public boolean last() {
            return "0".equals(cursor);
        }
    }

    /**
     * About {@code count} task ids from {@code cursor} on ({@code "0"} starts a walk). A walk to the last page returns
     * every task that existed during the whole walk at least once (Redis {@code SCAN} over the registration keys),
     * and its cursor can be saved and resumed from in another process.
     */
    public TaskPage scanTasks(String cursor, int count) {
        KeyScanCursor<byte[]> page = sync().scan(ScanCursor.of(cursor),
                ScanArgs.Builder.matches(REGISTRATION_PATTERN).limit(count));
        List<String> ids = new java.util.ArrayList<>();
        for (byte[] key : page.getKeys()) {
            String k = new String(key, UTF_8);
            ids.add(k.substring("metal:task:".length(), k.length() - ":registration".length()));
        }
        return new TaskPage(ids, page.isFinished() ? "0" : page.getCursor());
    }

    private static final String REGISTRATION_PATTERN = "metal:task:*:registration";

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
                b(promptKey(taskId, "")));
        return r != null && r == 1;
    }

    /** The bytes the task holds in Redis now: its registration (the examples) and every stored prompt artifact. */
    public long bytesStored(String taskId) {
        RedisCommands<byte[], byte[]> c = sync();
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
        return "metal:{task:" + taskId + "}:prompt:" + version;
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

    /** Removes the task, its registration and every stored prompt version, and takes it off its tenant's set. */
    public void delete(String taskId) {
        RedisCommands<byte[], byte[]> c = sync();
        byte[] tenant = c.hget(b(taskKey(taskId)), b("tenant"));
        List<byte[]> keys = new java.util.ArrayList<>(List.of(b(taskKey(taskId)), b(registrationKey(taskId)),
                b(promptsKey(taskId))));
        for (byte[] version : c.smembers(b(promptsKey(taskId)))) {
            keys.add(b(promptKey(taskId, new String(version, UTF_8))));
        }
        c.del(keys.toArray(new byte[0][]));   // one command: the task disappears at once
        // its versions, added examples and their prompts: one command on keys of one hash tag
        List<byte[]> tagged = new java.util.ArrayList<>(List.of(b(versionsKey(taskId)), b(addedExamplesKey(taskId)),
                b(versionSeqKey(taskId)), b(validationKey(taskId)), b(refineKey(taskId))));
        for (byte[] number : c.hkeys(b(versionsKey(taskId)))) {
            tagged.add(b(versionPromptKey(taskId, Integer.parseInt(new String(number, UTF_8)))));
        }
        c.del(tagged.toArray(new byte[0][]));
        if (tenant != null) {
            c.srem(b(tenantTasksKey(new String(tenant, UTF_8))), b(taskId));
            c.zrem(b(tenantIndexKey(new String(tenant, UTF_8))), b(taskId));
            c.srem(b(tenantRefiningKey(new String(tenant, UTF_8))), b(taskId));
        }
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
