package io.metalprompt.store;

import static io.metalprompt.store.TaskPrompts.versionSeqKey;
import static io.metalprompt.store.TaskStore.taskKey;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

/**
 * Background refinements of tasks (issue 16): a task's last refinement, {@code metal:{task:<id>}:refine} (a hash:
 * steps, status, the version it makes), and a tenant's tasks being refined, {@code metal:{tenant:<name>}:refining}
 * (a set, what bounds its refinements at once). Queuing takes the tenant's slot in one script on the tenant's tag,
 * then allots the version (the task's {@link TaskPrompts#versionSeqKey version sequence}) and records the refinement
 * on the task's tag; ending it frees the slot. {@link TaskStore#delete} removes both with the task.
 */
public final class Refinements {

    private final RedisConnector redis;

    public Refinements(RedisConnector redis) {
        this.redis = redis;
    }

    private RedisClusterCommands<byte[], byte[]> sync() {
        return redis.sync();
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

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
        return TaskStore.textHash(sync().hgetall(b(refineKey(taskId)))).map(f -> new Refinement(
                Integer.parseInt(f.getOrDefault("steps", "0")), f.get("status"),
                Integer.parseInt(f.getOrDefault("version", "0"))));
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
}
