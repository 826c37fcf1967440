package io.metalprompt.gateway;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.lettuce.core.api.sync.RedisCommands;
import io.metalprompt.store.RedisConnector;

/**
 * {@link TaskStore} in Redis (docs/architecture.md, "Redis keys"): the hash {@code metal:task:{id}} and the
 * registration JSON {@code metal:task:{id}:registration}, over the shared {@link RedisConnector}.
 */
public class RedisTaskStore implements TaskStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RedisConnector redis;

    public RedisTaskStore(RedisConnector redis) {
        this.redis = redis;
    }

    @Override
    public void create(StoredTask task, String registrationJson) {
        Map<byte[], byte[]> hash = new LinkedHashMap<>();
        put(hash, "tenant", task.tenant());
        put(hash, "status", task.status());
        put(hash, "design", task.design());
        put(hash, "options", toJson(task.options()));
        put(hash, "demonstrations", Integer.toString(task.demonstrations()));
        put(hash, "createdAt", task.createdAt());
        RedisCommands<byte[], byte[]> commands = redis.connection().sync();
        commands.set(bytes(TaskStore.registrationKey(task.taskId())), bytes(registrationJson));
        commands.hset(bytes(TaskStore.taskKey(task.taskId())), hash);
    }

    @Override
    public Optional<StoredTask> find(String taskId) {
        Map<byte[], byte[]> raw = redis.connection().sync().hgetall(bytes(TaskStore.taskKey(taskId)));
        if (raw == null || raw.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> h = new LinkedHashMap<>();
        raw.forEach((k, v) -> h.put(string(k), string(v)));
        return Optional.of(new StoredTask(taskId, h.get("tenant"), h.get("status"), h.get("design"),
                fromJson(h.get("options")), parseInt(h.get("demonstrations"), 0), h.get("createdAt"),
                h.containsKey("k") ? parseInt(h.get("k"), null) : null, h.get("pgmVersion"), h.get("promptText"),
                h.get("reason")));
    }

    @Override
    public boolean delete(String taskId) {
        return redis.connection().sync().del(bytes(TaskStore.taskKey(taskId)), bytes(TaskStore.registrationKey(taskId))) > 0;
    }

    private static void put(Map<byte[], byte[]> hash, String field, String value) {
        if (value != null) {
            hash.put(bytes(field), bytes(value));
        }
    }

    private static Integer parseInt(String value, Integer fallback) {
        try {
            return value == null ? fallback : Integer.valueOf(value.strip());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static String toJson(List<String> options) {
        try {
            return JSON.writeValueAsString(options == null ? List.of() : options);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> fromJson(String options) {
        if (options == null || options.isBlank()) {
            return List.of();
        }
        try {
            return JSON.readValue(options, new TypeReference<List<String>>() { });
        } catch (JsonProcessingException e) {
            return List.of();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
