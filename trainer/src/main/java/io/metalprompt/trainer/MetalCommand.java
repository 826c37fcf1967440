package io.metalprompt.trainer;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

/** The project's command line: {@code metal <command>}. */
@TopCommand
@Command(name = "metal", mixinStandardHelpOptions = true, version = "MetaL-Prompt 0.1.0",
        description = "MetaL-Prompt command line: LM checks, training, meta-training, evaluation, model store and periodic job, API keys, Redis key migration and a client demo.",
        subcommands = {LmCommand.class, TrainBaseCommand.class, MetaTrainCommand.class, EvalCommand.class,
                DemoCommand.class, KeysCommand.class, StoreCommand.class, PeriodicCommand.class, TasksCommand.class, RedisMigrateCommand.class})
public class MetalCommand {
}
