package io.metalprompt.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.List;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

/**
 * The two indexes of tasks (keys in {@code docs/architecture.md}, "Redis keys"): a tenant's tasks by registration
 * time, {@code metal:{tenant:<name>}:tasks-by-time} (what {@code GET /v1/tasks} pages over, newest first), and the
 * walk over every task (the rollout), which pages through {@value #INDEX_BUCKETS} sorted sets
 * {@code metal:{tasks:<bucket>}:index}, the bucket a hash of the id, instead of scanning the keyspace. Ids are added
 * and removed by the registration and deletion sequences of {@link TaskStore}; here they are read, and a tenant's
 * left-over entry taken off. An entry may outlive its task (a deletion cut short) or come before it (a registration
 * in flight): readers look the task up and skip it.
 */
public final class TaskIndex {

    /** Sorted sets the task index is spread over (a fixed number: changing it means re-indexing, see KeyMigration). */
    public static final int INDEX_BUCKETS = 256;

    private final RedisConnector redis;

    public TaskIndex(RedisConnector redis) {
        this.redis = redis;
    }

    private RedisClusterCommands<byte[], byte[]> sync() {
        return redis.sync();
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
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
}
