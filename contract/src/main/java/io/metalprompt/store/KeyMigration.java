package io.metalprompt.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RestoreArgs;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

/**
 * Rewrites a keyspace of the single-server layout (before issue 15) into the hash-tagged one a Redis Cluster needs
 * ({@code docs/architecture.md}, "Redis keys" and "Moving an existing Redis to the new layout"): what {@code metal
 * redis-migrate} runs. Idempotent and resumable: it walks every master's keyspace with {@code SCAN} and saves each
 * master's cursor in {@value #PROGRESS_KEY} after every page, so a run that dies goes on where the last one stopped,
 * and a key seen twice (SCAN may return a key more than once) is handled the same way twice.
 *
 * <p>Per task, in this order: every key of the task but its hash is copied to its new name ({@code DUMP} /
 * {@code RESTORE ... REPLACE}, which works between slots and nodes), the task's id goes into the index, its
 * tenant's set and its tenant's listing by time, then the hash is copied (the task exists in the new layout only once
 * it is whole), then the old keys are deleted. A task whose new hash already exists was copied before (perhaps changed
 * since by a new service): only its old keys are deleted, nothing is overwritten. Tenant sets are merged into the new sets ({@code SADD}), model
 * records copied unless present, a rollout's saved position reset to the start of the index walk (an old {@code SCAN}
 * cursor means nothing there; tasks already on the version are skipped quickly), rollout leases dropped (they expire
 * anyway). API keys and the served designs keep their names: each is used one key at a time.
 */
public final class KeyMigration {

    /** Progress: {@code cursor:<node>}, {@code done:<node>} and the counts of what was moved. */
    public static final String PROGRESS_KEY = "metal:migration:hash-tags";

    private static final Pattern TASK = Pattern.compile("metal:task:([^:{}]+)(?::(registration|prompts))?");
    private static final Pattern PROMPT = Pattern.compile("metal:prompt:([^:{}]+):(.+)");
    private static final Pattern TENANT_TASKS = Pattern.compile("metal:tenant:([^:{}]+):tasks");
    private static final Pattern MODEL = Pattern.compile("metal:model:([^:{}]+)");
    private static final Pattern ROLLOUT = Pattern.compile("metal:rollout:([^:{}]+)(:lease)?");

    /** What a run did (this run only) and whether the whole keyspace is now in the new layout. */
    public record Report(long tasks, long prompts, long tenantSets, long models, long keysScanned, boolean complete) {
    }

    /** Called after each key handled (for crash-point tests: a hook that throws is a process dying there). */
    public interface KeyHook {
        void after(String oldKey);
    }

    private final RedisConnector redis;
    private final int pageSize;
    private final KeyHook hook;
    private final Consumer<String> log;
    private long tasks;
    private long prompts;
    private long tenantSets;
    private long models;
    private long scanned;

    public KeyMigration(RedisConnector redis, int pageSize, Consumer<String> log) {
        this(redis, pageSize, log, key -> { });
    }

    public KeyMigration(RedisConnector redis, int pageSize, Consumer<String> log, KeyHook hook) {
        if (pageSize <= 0) {
            throw new IllegalArgumentException("page size must be positive: " + pageSize);
        }
        this.redis = redis;
        this.pageSize = pageSize;
        this.log = log;
        this.hook = hook;
    }

    /**
     * Migrates from the saved position on (from the start with {@code restart}); returns what this run moved. A
     * complete earlier run makes this one a no-op unless {@code restart}.
     */
    public Report run(boolean restart) {
        RedisClusterCommands<byte[], byte[]> c = redis.sync();
        if (restart) {
            c.del(b(PROGRESS_KEY));
        }
        Map<String, RedisClusterCommands<byte[], byte[]>> masters = redis.masters();
        for (Map.Entry<String, RedisClusterCommands<byte[], byte[]>> master : masters.entrySet()) {
            String node = master.getKey();
            if ("1".equals(s(c.hget(b(PROGRESS_KEY), b("done:" + node))))) {
                continue;
            }
            String saved = s(c.hget(b(PROGRESS_KEY), b("cursor:" + node)));
            ScanCursor cursor = saved == null ? ScanCursor.INITIAL : ScanCursor.of(saved);
            log.accept("migrating the keys of " + ("single".equals(node) ? "the server" : "master " + node)
                    + (saved == null ? "" : " from cursor " + saved));
            while (true) {
                KeyScanCursor<byte[]> page = master.getValue().scan(cursor,
                        ScanArgs.Builder.matches("metal:*").limit(pageSize));
                for (byte[] key : page.getKeys()) {
                    String k = s(key);
                    scanned++;
                    if (!k.startsWith("metal:{")) {
                        migrate(k);
                    }
                }
                if (page.isFinished()) {
                    c.hset(b(PROGRESS_KEY), b("done:" + node), b("1"));
                    break;
                }
                c.hset(b(PROGRESS_KEY), b("cursor:" + node), b(page.getCursor()));
                cursor = page;
            }
        }
        c.hincrby(b(PROGRESS_KEY), b("tasks"), tasks);
        c.hincrby(b(PROGRESS_KEY), b("prompts"), prompts);
        c.hincrby(b(PROGRESS_KEY), b("tenantSets"), tenantSets);
        c.hincrby(b(PROGRESS_KEY), b("models"), models);
        return new Report(tasks, prompts, tenantSets, models, scanned, true);
    }

    /** Whether an earlier run finished on every master. */
    public boolean complete() {
        RedisClusterCommands<byte[], byte[]> c = redis.sync();
        for (String node : redis.masters().keySet()) {
            if (!"1".equals(s(c.hget(b(PROGRESS_KEY), b("done:" + node))))) {
                return false;
            }
        }
        return true;
    }

    private void migrate(String key) {
        Matcher m;
        if ((m = TASK.matcher(key)).matches()) {
            migrateTask(m.group(1));
        } else if ((m = PROMPT.matcher(key)).matches()) {
            if (move(key, TaskPrompts.promptKey(m.group(1), m.group(2)), false)) {
                prompts++;
            }
        } else if ((m = TENANT_TASKS.matcher(key)).matches()) {
            migrateTenant(key, m.group(1));
        } else if ((m = MODEL.matcher(key)).matches()) {
            if (move(key, RolloutStore.modelKey(m.group(1)), false)) {
                models++;
            }
        } else if ((m = ROLLOUT.matcher(key)).matches()) {
            if (m.group(2) != null) {
                redis.sync().del(b(key));   // a lease: it would expire; the next rollout round takes a new one
            } else {
                RedisClusterCommands<byte[], byte[]> c = redis.sync();
                if (!"1".equals(s(c.hget(b(key), b("done"))))) {
                    c.hset(b(key), b("cursor"), b("0"));   // an old SCAN cursor is no position in the index: before the move
                }
                move(key, RolloutStore.rolloutKey(m.group(1)), false);
            }
        } else {
            return;   // a key of this layout that keeps its name (API keys, designs) or not ours
        }
        hook.after(key);
    }

    private void migrateTask(String id) {
        RedisClusterCommands<byte[], byte[]> c = redis.sync();
        String oldHash = "metal:task:" + id;
        String oldRegistration = oldHash + ":registration";
        String oldPrompts = oldHash + ":prompts";
        List<String> oldKeys = new ArrayList<>(List.of(oldRegistration, oldPrompts));
        Set<byte[]> versions = c.smembers(b(oldPrompts));
        for (byte[] v : versions) {
            oldKeys.add("metal:prompt:" + id + ":" + s(v));
        }
        boolean copied = c.exists(b(TaskStore.taskKey(id))) == 1;
        if (!copied) {
            if (c.exists(b(oldHash)) == 0 && c.exists(b(oldRegistration)) == 0) {
                return;   // moved and cleaned up already (this key was returned by SCAN again)
            }
            move(oldRegistration, TaskStore.registrationKey(id), true);
            move(oldPrompts, TaskPrompts.promptsKey(id), true);
            for (byte[] v : versions) {
                if (move("metal:prompt:" + id + ":" + s(v), TaskPrompts.promptKey(id, s(v)), true)) {
                    prompts++;
                }
            }
            byte[] tenant = c.hget(b(oldHash), b("tenant"));
            c.zadd(b(TaskIndex.indexKey(TaskIndex.indexBucket(id))), 0, b(id));
            if (tenant != null) {
                c.sadd(b(TaskStore.tenantTasksKey(s(tenant))), b(id));
                // and in the tenant's listing (issue 16), by its registration time (none recorded: the epoch, last)
                byte[] createdAt = c.hget(b(oldHash), b("createdAt"));
                double millis = createdAt == null ? 0 : java.time.Instant.parse(s(createdAt)).toEpochMilli();
                c.zadd(b(TaskIndex.tenantIndexKey(s(tenant))), millis, b(id));
            }
            move(oldHash, TaskStore.taskKey(id), true);   // last: the task appears whole
            tasks++;
        }
        for (String old : oldKeys) {
            c.del(b(old));
        }
        c.del(b(oldHash));
    }

    private void migrateTenant(String key, String tenant) {
        RedisClusterCommands<byte[], byte[]> c = redis.sync();
        Set<byte[]> ids = c.smembers(b(key));
        if (!ids.isEmpty()) {
            c.sadd(b(TaskStore.tenantTasksKey(tenant)), ids.toArray(new byte[0][]));
        }
        c.del(b(key));
        tenantSets++;
    }

    /**
     * Copies {@code from} to {@code to} (any type, between slots) and, unless {@code keepOld}, deletes {@code from}.
     * With {@code keepOld} false a {@code to} that exists is kept as it is. Answers whether something was copied.
     */
    private boolean move(String from, String to, boolean keepOld) {
        RedisClusterCommands<byte[], byte[]> c = redis.sync();
        byte[] dump = c.dump(b(from));
        boolean copied = false;
        if (dump != null) {
            if (keepOld || c.exists(b(to)) == 0) {
                c.restore(b(to), dump, RestoreArgs.Builder.ttl(0).replace());
                copied = true;
            }
            if (!keepOld) {
                c.del(b(from));
            }
        }
        return copied;
    }

    /** The progress saved by earlier runs (field to value), for the command's report. */
    public Map<String, String> progress() {
        Map<String, String> out = new HashMap<>();
        redis.sync().hgetall(b(PROGRESS_KEY)).forEach((k, v) -> out.put(s(k), s(v)));
        return out;
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    private static String s(byte[] b) {
        return b == null ? null : new String(b, UTF_8);
    }
}
