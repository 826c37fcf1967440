package io.metalprompt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.metalprompt.store.ApiKeys;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.testing.TestInfrastructure;

/** {@code metal keys create|list|revoke} as a user runs them, against a real Redis. */
class KeysCommandTest {

    private static RedisConnector redis;
    private static ApiKeys keys;
    private static String url;

    @BeforeAll
    static void connect() {
        url = TestInfrastructure.get().redisUrl();
        redis = new RedisConnector(url, Duration.ofSeconds(2));
        keys = new ApiKeys(redis);
    }

    @AfterAll
    static void close() {
        redis.close();
    }

    @Test
    void createPrintsTheKeyOnceListShowsItsRecordRevokeEndsIt() {
        String tenant = "cli-" + UUID.randomUUID();
        MetalCli.Run created = MetalCli.run("keys", "create", "--tenant", tenant, "--redis", url);
        assertEquals(0, created.code(), created.err());
        List<String> lines = created.out().lines().toList();
        assertEquals(1, lines.size(), "stdout holds the key alone, for scripts: " + created.out());
        String key = lines.get(0);
        assertTrue(key.startsWith(ApiKeys.PREFIX), key);
        assertTrue(created.err().contains("shown only now"), created.err());
        ApiKeys.ApiKey record = keys.find(key).orElseThrow();
        assertEquals(tenant, record.tenant());

        MetalCli.Run listed = MetalCli.run("keys", "list", "--tenant", tenant, "--redis", url);
        assertEquals(0, listed.code(), listed.err());
        assertTrue(listed.out().contains(record.id()) && listed.out().contains(tenant), listed.out());
        assertFalse(listed.out().contains(key.substring(ApiKeys.PREFIX.length())), "list never prints a key");
        assertTrue(listed.out().lines().filter(l -> l.startsWith(record.id())).allMatch(l -> l.trim().endsWith("-")),
                "not revoked yet: " + listed.out());

        MetalCli.Run revoked = MetalCli.run("keys", "revoke", record.id(), "--redis", url);
        assertEquals(0, revoked.code(), revoked.err());
        assertTrue(keys.find(key).orElseThrow().revoked());
        String after = MetalCli.run("keys", "list", "--tenant", tenant, "--redis", url).out();
        assertFalse(after.lines().filter(l -> l.startsWith(record.id())).findFirst().orElseThrow().trim().endsWith("-"),
                "the revocation time is listed: " + after);
        assertEquals(0, MetalCli.run("keys", "revoke", record.id(), "--redis", url).code(), "revoking twice is harmless");
    }

    @Test
    void revokingAnUnknownIdFails() {
        MetalCli.Run run = MetalCli.run("keys", "revoke", "key_0000000000000000", "--redis", url);
        assertEquals(CliErrors.FAILED, run.code());
        assertTrue(run.err().startsWith("metal keys revoke: failed: no key with id key_0000000000000000"), run.err());
    }

    @Test
    void anInvalidTenantIsRefusedBeforeRedisIsTouched() {
        MetalCli.Run run = MetalCli.run("keys", "create", "--tenant", "a:b", "--redis", "redis://127.0.0.1:1");
        assertEquals(CliErrors.BAD_INPUT, run.code());
        assertTrue(run.err().startsWith("metal keys create: invalid tenant name"), run.err());
    }

    @Test
    void anUnreachableRedisIsAMessageNotAStackTrace() {
        MetalCli.Run run = MetalCli.run("keys", "list", "--redis", "redis://127.0.0.1:1");
        assertEquals(CliErrors.FAILED, run.code());
        assertTrue(run.err().startsWith("metal keys list: failed: cannot use Redis at redis://127.0.0.1:1"), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
    }
}
