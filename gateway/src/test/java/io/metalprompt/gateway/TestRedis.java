package io.metalprompt.gateway;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.metalprompt.store.ApiKeys;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.TaskStore;
import io.metalprompt.testing.TestInfrastructure;

/**
 * Direct access to the tests' Redis: puts tasks in the states the prompt-generator would leave them in, and creates
 * API keys the way {@code metal keys create} does.
 */
final class TestRedis {

    /** The tenant most tests act for. */
    static final String TENANT = "acme";

    private static StatefulRedisConnection<String, String> connection;
    private static ApiKeys keys;
    private static final Map<String, String> KEYS_BY_TENANT = new java.util.HashMap<>();

    private TestRedis() {
    }

    static synchronized RedisCommands<String, String> redis() {
        if (connection == null) {
            connection = RedisClient.create(TestInfrastructure.get().redisUrl()).connect();
        }
        return connection.sync();
    }

    static synchronized ApiKeys apiKeys() {
        if (keys == null) {
            keys = new ApiKeys(new RedisConnector(TestInfrastructure.get().redisUrl(), Duration.ofSeconds(2)));
        }
        return keys;
    }

    /** An API key of the tenant, created once per test JVM. */
    static synchronized String key(String tenant) {
        return KEYS_BY_TENANT.computeIfAbsent(tenant, t -> apiKeys().create(t).key());
    }

    /** The key of {@link #TENANT}. */
    static String key() {
        return key(TENANT);
    }

    /** A task as the prompt-generator leaves it when its prompt is stored. */
    static String putReadyTask(String tenant, String design, List<String> options) {
        String id = UUID.randomUUID().toString();   // the form of the ids the gateway issues
        Map<String, String> hash = new LinkedHashMap<>();
        hash.put("tenant", tenant);
        hash.put("status", "ready");
        hash.put("design", design);
        hash.put("options", "[" + String.join(",", options.stream().map(o -> "\"" + o + "\"").toList()) + "]");
        hash.put("demonstrations", "0");
        hash.put("createdAt", "2026-01-01T00:00:00Z");
        hash.put("k", "8");
        hash.put("pgmVersion", "pgm-test");
        hash.put("promptText", "Decide if the review is positive or negative.");
        redis().hset(TaskStore.taskKey(id), hash);
        return id;
    }

    static void setStatus(String id, String status, String reason) {
        redis().hset(TaskStore.taskKey(id), "status", status);
        if (reason != null) {
            redis().hset(TaskStore.taskKey(id), "reason", reason);
        }
    }
}
