package io.metalprompt.trainer;

import picocli.CommandLine.Command;

/** {@code metal lm ...}: checks and uses a Hugging Face model folder. */
@Command(name = "lm", mixinStandardHelpOptions = true, description = "Check a model against reference outputs, or generate text.",
        subcommands = {LmCheckCommand.class, LmGenerateCommand.class})
public class LmCommand {
}
