package io.metalprompt.worker;

import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

import io.metalprompt.lm.KvCache;

/**
 * The per-task conditioning prefix (prompt keys/values, plus the XL demonstrations' when the task keeps
 * some), computed once per (task, PGM version) and kept in an LRU bounded in bytes. An evicted prefix may
 * still be in use by the batch that evicted it, so its native memory is freed by {@link #releaseEvicted()},
 * which the worker calls after each batch. When a task moves to a new PGM version its old prefix is dropped.
 */
public final class PrefixCache {

    /** A task's prefix and what serving it needs besides. */
    public record Entry(KvCache prefix, long[][] optionIds, long bytes) {
    }

    /** A task's prompt as served: the PGM that made it and the prompt version's number. */
    public record Key(String taskId, String pgmVersion, int version) {
        public Key(String taskId, String pgmVersion) {
            this(taskId, pgmVersion, 1);
        }
    }

    private final Cache<Key, Entry> cache;
    private final long maxBytes;
    private final java.util.Queue<Entry> evicted = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** The version of each task last built: one lookup finds what a new version replaces (no pass over the cache). */
    private final java.util.concurrent.ConcurrentHashMap<String, Key> latest = new java.util.concurrent.ConcurrentHashMap<>();

    public PrefixCache(long maxBytes) {
        this.maxBytes = maxBytes;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((Key k, Entry e) -> (int) Math.min(Integer.MAX_VALUE, e.bytes()))
                .removalListener((Key k, Entry e, RemovalCause cause) -> {
                    if (k != null) {
                        latest.remove(k.taskId(), k);
                    }
                    if (e != null) {
                        evicted.add(e);
                    }
                })
                .executor(Runnable::run)
                .recordStats()
                .build();
    }

    /**
     * The entry for {@code key}, built by {@code loader} on a miss. A task's entry of a new PGM version replaces its
     * entries of other versions (once a task's version pointer moves, the old prefix is not asked for again).
     */
    public Entry get(Key key, Function<Key, Entry> loader) {
        boolean[] built = {false};
        Entry entry = cache.get(key, k -> {
            built[0] = true;
            return loader.apply(k);
        });
        if (built[0]) {
            Key replaced = latest.put(key.taskId(), key);
            if (replaced != null && !replaced.equals(key)) {
                cache.invalidate(replaced);
            }
        }
        return entry;
    }

    /** The PGM versions of {@code taskId} with a cached prefix. */
    java.util.List<String> cachedVersions(String taskId) {
        return cache.asMap().keySet().stream().filter(k -> k.taskId().equals(taskId)).map(Key::pgmVersion).toList();
    }

    /** Frees the native memory of prefixes evicted so far; call when no batch uses them any more. */
    public void releaseEvicted() {
        for (Entry e; (e = evicted.poll()) != null; ) {
            e.prefix().close();
        }
    }

    public void invalidateTask(String taskId) {
        Key k = latest.remove(taskId);
        if (k != null) {
            cache.invalidate(k);
        }
    }

    public long hits() {
        return cache.stats().hitCount();
    }

    public long misses() {
        return cache.stats().missCount();
    }

    /** Prefixes dropped to stay within {@link #maxBytes()} (not counting invalidated ones). */
    public long evictions() {
        return cache.stats().evictionCount();
    }

    public long bytes() {
        return cache.asMap().values().stream().mapToLong(Entry::bytes).sum();
    }

    public long entries() {
        return cache.estimatedSize();
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Bytes of a cache's arrays (float32 keys and values per layer, plus its mask). */
    public static long sizeOf(KvCache c) {
        long bytes = c.mask().size() * 8;
        for (int l = 0; l < c.layers(); l++) {
            bytes += c.keys().get(l).size() * 4 + c.values().get(l).size() * 4;
        }
        return bytes;
    }
}
