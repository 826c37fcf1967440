package io.metalprompt.store;

import static io.metalprompt.store.TaskStore.deletedKey;
import static io.metalprompt.store.TaskStore.taskKey;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

/**
 * A task's prompts and which one it serves. Version 1, the first prompt, is stored per PGM version:
 * {@code metal:{task:<id>}:prompt:<pgmVersion>} (the binary artifact) and {@code metal:{task:<id>}:prompts} (the set
 * of stored PGM versions); storing it makes the task ready ({@link #storeReady}), and a rollout moves it to another
 * PGM version ({@link #switchVersion}). The later versions of issue 16 are stored by number:
 * {@code metal:{task:<id>}:version-prompt:<n>} (the artifact), {@code metal:{task:<id>}:versions} (every version's
 * {@link PromptVersion} description) and {@code metal:{task:<id>}:version-seq} (the numbers allotted); the task's hash
 * points at the version it serves ({@link #servePromptVersion}). Every key carries the task's hash tag, so each write
 * is one script on one slot, ordered so no reader sees a ready task without its prompt: the artifact first, then the
 * pointer. A write for a task that is gone writes nothing: a deleted task's keys must not come back in part.
 */
public final class TaskPrompts {

    private static final ObjectMapper VERSIONS = new ObjectMapper()
            .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final RedisConnector redis;

    public TaskPrompts(RedisConnector redis) {
        this.redis = redis;
    }

    private RedisClusterCommands<byte[], byte[]> sync() {
        return redis.sync();
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    public static String promptsKey(String taskId) {
        return taskKey(taskId) + ":prompts";
    }

    public static String promptKey(String taskId, String pgmVersion) {
        return taskKey(taskId) + ":prompt:" + pgmVersion;
    }

    public static String versionsKey(String taskId) {
        return "metal:{task:" + taskId + "}:versions";
    }

    public static String versionSeqKey(String taskId) {
        return "metal:{task:" + taskId + "}:version-seq";
    }

    public static String versionPromptKey(String taskId, int version) {
        return "metal:{task:" + taskId + "}:version-prompt:" + version;   // not :prompt:<n>, a PGM version's key
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
    // Returns -1 when moved, 0 when the task is not ready (or gone), else the version it serves (not moved).
    private static final String SERVE_VERSION = """
            if redis.call('HGET', KEYS[1], 'status') ~= 'ready' then return 0 end
            local served = tonumber(redis.call('HGET', KEYS[1], 'version') or '1')
            if tonumber(ARGV[1]) <= served then return served end
            redis.call('HSET', KEYS[1], 'version', ARGV[1], 'pgmVersion', ARGV[2], 'k', ARGV[3])
            if ARGV[4] == '' then redis.call('HDEL', KEYS[1], 'promptText') else redis.call('HSET', KEYS[1], 'promptText', ARGV[4]) end
            return -1""";

    /**
     * What {@link #servePromptVersion} found: whether it moved the task's pointer, and the version the task serves
     * afterwards (0 when the task is not ready, or gone).
     */
    public record Pointer(boolean moved, int served) {
    }

    /**
     * Points the task at a stored prompt version in one atomic step on its hash (one key): only a ready task, and only
     * forward (a version finishing after a later one was served does not replace it). A worker reads the pointer and
     * the artifact it names ({@link #artifactFor}); the artifact is stored before ({@link #saveVersion}). When it does
     * not move, the result says which version the task serves instead (the same one when this call is a replay).
     */
    public Pointer servePromptVersion(String taskId, int version, String pgmVersion, int k, String promptText) {
        Long r = sync().eval(SERVE_VERSION, ScriptOutputType.INTEGER, new byte[][] {b(taskKey(taskId))},
                b(Integer.toString(version)), b(pgmVersion), b(Integer.toString(k)), b(promptText == null ? "" : promptText));
        long code = r == null ? 0 : r;
        return code == -1 ? new Pointer(true, version) : new Pointer(false, (int) code);
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

    /** The stored artifact of a task for a PGM version, if any. */
    public Optional<byte[]> artifact(String taskId, String pgmVersion) {
        return Optional.ofNullable(sync().get(b(promptKey(taskId, pgmVersion))));
    }
}
