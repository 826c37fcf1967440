package io.metalprompt.trainer;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

import io.lettuce.core.RedisException;
import io.metalprompt.store.ApiKeys;
import io.metalprompt.store.RedisConnector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code metal keys ...}: the tenants' API keys in Redis ({@link ApiKeys}, the store the gateway authenticates
 * against). A key is printed once, when it is created; Redis keeps only its SHA-256.
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Create, list and revoke the API keys tenants call the gateway with.",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
public class KeysCommand {

    /** Where the keys live: the Redis the gateway reads. */
    public static class RedisOption {
        @Option(names = "--redis", paramLabel = "URL", defaultValue = "${env:METAL_REDIS_URL:-redis://127.0.0.1:16379}",
                description = {"the system's Redis (default: $METAL_REDIS_URL, else ${DEFAULT-VALUE}): one server "
                        + "redis://host:port, a Sentinel set redis-sentinel://host:port,host:port/0#master, or a Redis "
                        + "Cluster as several redis://host:port seeds separated by commas"})
        String url;

        @Option(names = "--redis-cluster", defaultValue = "${env:METAL_REDIS_CLUSTER:-false}",
                description = "take a single --redis seed as a node of a Redis Cluster (default: $METAL_REDIS_CLUSTER, else false)")
        boolean cluster;

        /** A connector to the Redis named; a URL that does not parse is bad input naming --redis. */
        RedisConnector connect(Duration timeout) {
            try {
                return new RedisConnector(url, timeout, cluster);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--redis: " + e.getMessage(), e);
            }
        }

        /** Runs {@code action} against the key store; a Redis that cannot be used fails the run. */
        int with(Function<ApiKeys, Integer> action) {
            try (RedisConnector redis = connect(Duration.ofSeconds(5))) {
                return action.apply(new ApiKeys(redis));
            } catch (RedisException e) {
                throw new IllegalStateException("cannot use Redis at " + RedisConnector.redact(url) + ": " + e.getMessage(), e);
            }
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create an API key for a tenant and print it (stdout, alone on its line) — the only time it is shown.",
                    "Callers send it as 'Authorization: Bearer <key>'."})
    public static class Create implements Callable<Integer> {
        @Option(names = "--tenant", required = true, description = "tenant the key acts for: 1-64 letters, digits, '.', '_', '-'")
        String tenant;
        @Mixin RedisOption redis;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            ApiKeys.requireTenant(tenant);   // bad input before Redis is touched
            return redis.with(keys -> {
                ApiKeys.Created created = keys.create(tenant);
                spec.commandLine().getErr().printf("created %s for tenant %s; the key below is shown only now: store it "
                        + "as a secret (revoke it with 'metal keys revoke %s')%n", created.record().id(), tenant,
                        created.record().id());
                spec.commandLine().getOut().println(created.key());
                return CliErrors.OK;
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the keys (id, tenant, created, revoked); never the keys themselves.")
    public static class ListKeys implements Callable<Integer> {
        @Option(names = "--tenant", description = "only this tenant's keys") String tenant;
        @Mixin RedisOption redis;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            return redis.with(keys -> {
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"ID", "TENANT", "CREATED", "REVOKED"});
                for (ApiKeys.ApiKey k : keys.list(tenant)) {
                    rows.add(new String[] {k.id(), k.tenant(), time(k.createdAt()), k.revoked() ? time(k.revokedAt()) : "-"});
                }
                int[] width = new int[3];
                for (String[] row : rows) {
                    for (int c = 0; c < width.length; c++) {
                        width[c] = Math.max(width[c], row[c].length());
                    }
                }
                PrintWriter out = spec.commandLine().getOut();
                for (String[] row : rows) {
                    out.printf("%-" + width[0] + "s  %-" + width[1] + "s  %-" + width[2] + "s  %s%n", (Object[]) row);
                }
                return CliErrors.OK;
            });
        }

        private static String time(Instant t) {
            return t == null ? "?" : t.toString();
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a key by its id (from 'metal keys list'): every gateway refuses it from the next call on "
                    + "(told at once through Redis; revoke again to tell them again).")
    public static class Revoke implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "the key's id, e.g. key_3f9a0c1d2e4b5a69") String id;
        @Mixin RedisOption redis;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            return redis.with(keys -> switch (keys.revoke(id)) {
                case REVOKED -> {
                    spec.commandLine().getOut().println("revoked " + id);
                    yield CliErrors.OK;
                }
                case ALREADY_REVOKED -> {
                    spec.commandLine().getOut().println(id + " was already revoked");
                    yield CliErrors.OK;
                }
                case UNKNOWN -> throw new IllegalStateException("no key with id " + id + " (see 'metal keys list')");
            });
        }
    }
}
