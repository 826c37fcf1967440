package io.metalprompt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.metalprompt.store.ApiKeys;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.testing.TestInfrastructure;
import picocli.CommandLine;

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

    private record Run(int exit, String out, String err) {
    }

    private static Run metal(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new MetalCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void createPrintsTheKeyOnceListShowsItsRecordRevokeEndsIt() {
        String tenant = "cli-" + UUID.randomUUID();
        Run created = metal("keys", "create", "--tenant", tenant, "--redis", url);
        assertEquals(0, created.exit(), created.err());
        List<String> lines = created.out().lines().toList();
        assertEquals(1, lines.size(), "stdout holds the key alone, for scripts: " + created.out());
        String key = lines.get(0);
        assertTrue(key.startsWith(ApiKeys.PREFIX), key);
        assertTrue(created.err().contains("shown only now"), created.err());
        ApiKeys.ApiKey record = keys.find(key).orElseThrow();
        assertEquals(tenant, record.tenant());

        Run listed = metal("keys", "list", "--tenant", tenant, "--redis", url);
        assertEquals(0, listed.exit(), listed.err());
        assertTrue(listed.out().contains(record.id()) && listed.out().contains(tenant), listed.out());
        assertFalse(listed.out().contains(key.substring(ApiKeys.PREFIX.length())), "list never prints a key");
        assertTrue(listed.out().lines().filter(l -> l.startsWith(record.id())).allMatch(l -> l.trim().endsWith("-")),
                "not revoked yet: " + listed.out());

        Run revoked = metal("keys", "revoke", record.id(), "--redis", url);
        assertEquals(0, revoked.exit(), revoked.err());
        assertTrue(keys.find(key).orElseThrow().revoked());
        String after = metal("keys", "list", "--tenant", tenant, "--redis", url).out();
        assertFalse(after.lines().filter(l -> l.startsWith(record.id())).findFirst().orElseThrow().trim().endsWith("-"),
                "the revocation time is listed: " + after);
        assertEquals(0, metal("keys", "revoke", record.id(), "--redis", url).exit(), "revoking twice is harmless");
    }

    @Test
    void revokingAnUnknownIdFails() {
        Run run = metal("keys", "revoke", "key_0000000000000000", "--redis", url);
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("no key with id key_0000000000000000"), run.err());
    }

    @Test
    void anInvalidTenantIsRefusedBeforeRedisIsTouched() {
        Run run = metal("keys", "create", "--tenant", "a:b", "--redis", "redis://127.0.0.1:1");
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("invalid tenant name"), run.err());
    }

    @Test
    void anUnreachableRedisIsAMessageNotAStackTrace() {
        Run run = metal("keys", "list", "--redis", "redis://127.0.0.1:1");
        assertEquals(1, run.exit());
        assertTrue(run.err().startsWith("cannot use Redis at redis://127.0.0.1:1"), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
    }
}
