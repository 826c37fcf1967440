package io.metalprompt.trainer;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

import io.lettuce.core.RedisException;
import io.metalprompt.store.KeyMigration;
import io.metalprompt.store.RedisConnector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code metal redis-migrate}: moves a Redis written by a version before issue 15 (task keys {@code metal:task:<id>},
 * ...) to the hash-tagged layout (docs/architecture.md, "Moving an existing Redis to the new layout"), so that no task
 * is lost on upgrade and the keyspace can move to a Redis Cluster. Idempotent and resumable ({@link KeyMigration}).
 */
@Command(name = "redis-migrate", mixinStandardHelpOptions = true,
        description = {"Rewrite the keys of a Redis written before the hash-tagged layout (metal:task:<id>, metal:prompt:..., "
                + "metal:tenant:<t>:tasks, metal:model:..., metal:rollout:...) into it, and index every task for the rollout.",
                "Idempotent: run it again at any time; a run that stops goes on from its last page "
                        + "(progress in " + KeyMigration.PROGRESS_KEY + "). Stop the services of the old version first."})
public class RedisMigrateCommand implements Callable<Integer> {

    @Mixin KeysCommand.RedisOption redis;

    @Option(names = "--page-size", defaultValue = "500",
            description = "keys asked of each SCAN page; the position is saved after each page (default ${DEFAULT-VALUE})")
    int pageSize;

    @Option(names = "--restart", description = "walk the whole keyspace again even if an earlier run finished")
    boolean restart;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        if (pageSize <= 0) {
            throw new IllegalArgumentException("--page-size must be positive, got " + pageSize);
        }
        PrintWriter err = spec.commandLine().getErr();
        try (RedisConnector connector = redis.connect(Duration.ofSeconds(10))) {
            KeyMigration migration = new KeyMigration(connector, pageSize, line -> {
                err.println("metal redis-migrate: " + line);
                err.flush();
            });
            if (!restart && migration.complete()) {
                spec.commandLine().getOut().println("already migrated (an earlier run finished; --restart walks the keyspace again)");
                return CliErrors.OK;
            }
            KeyMigration.Report r = migration.run(restart);
            spec.commandLine().getOut().printf("migrated %d tasks, %d prompts apart from their task's, %d tenant sets and %d "
                    + "model records (%d keys scanned); every key is in the hash-tagged layout%n",
                    r.tasks(), r.prompts(), r.tenantSets(), r.models(), r.keysScanned());
            return CliErrors.OK;
        } catch (RedisException e) {
            throw new IllegalStateException("cannot use Redis at " + RedisConnector.redact(redis.url) + ": " + e.getMessage()
                    + "; run the command again to go on from the last saved page", e);
        }
    }
}
