package io.metalprompt.trainer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.TaskStore;
import io.metalprompt.testing.TestInfrastructure;

/** {@code metal redis-migrate} as an operator runs it: exit codes, output, idempotence. */
class RedisMigrateCommandTest {

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void movesAnOldTaskThenSaysItIsDoneThenRestartsOnRequest() {
        String url = TestInfrastructure.get().redisUrl();
        String id = UUID.randomUUID().toString();
        String tenant = "cli-" + UUID.randomUUID();
        try (RedisConnector redis = new RedisConnector(url, Duration.ofSeconds(2))) {
            redis.sync().hset(b("metal:task:" + id), Map.of(b("tenant"), b(tenant), b("status"), b("failed"),
                    b("design"), b("PREFIX"), b("options"), b("[]"), b("reason"), b("too long")));
            redis.sync().sadd(b("metal:tenant:" + tenant + ":tasks"), b(id));

            MetalCli.Run first = MetalCli.run("redis-migrate", "--redis", url, "--restart", "--page-size", "50");
            assertEquals(CliErrors.OK, first.code(), first.err());
            assertTrue(first.out().startsWith("migrated "), first.out());
            TaskStore store = new TaskStore(redis);
            assertEquals("too long", store.find(id).orElseThrow().reason());
            assertEquals(1, store.taskCount(tenant));
            assertEquals(0, redis.sync().exists(b("metal:task:" + id)));

            MetalCli.Run second = MetalCli.run("redis-migrate", "--redis", url);
            assertEquals(CliErrors.OK, second.code(), second.err());
            assertTrue(second.out().startsWith("already migrated"), second.out());
        }
    }

    @Test
    void badInputIsExitTwoAndAnUnreachableRedisIsExitOne() {
        MetalCli.Run bad = MetalCli.run("redis-migrate", "--redis", "127.0.0.1:6379");
        assertEquals(CliErrors.BAD_INPUT, bad.code());
        assertTrue(bad.err().startsWith("metal redis-migrate: --redis: '127.0.0.1:6379' is not a Redis URL"), bad.err());
        assertFalse(bad.err().contains("\tat "), "no stack trace: " + bad.err());

        MetalCli.Run page = MetalCli.run("redis-migrate", "--page-size", "0", "--redis", "redis://127.0.0.1:1");
        assertEquals(CliErrors.BAD_INPUT, page.code());
        assertTrue(page.err().contains("--page-size must be positive"), page.err());

        MetalCli.Run down = MetalCli.run("redis-migrate", "--redis", "redis://127.0.0.1:1");
        assertEquals(CliErrors.FAILED, down.code());
        assertTrue(down.err().startsWith("metal redis-migrate: failed: cannot use Redis at redis://127.0.0.1:1"), down.err());
        assertFalse(down.err().contains("\tat "), "no stack trace: " + down.err());
    }
}
