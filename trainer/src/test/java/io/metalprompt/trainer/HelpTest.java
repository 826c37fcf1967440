package io.metalprompt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Every option and parameter of every {@code metal} command says in {@code --help} what it is. */
class HelpTest {

    @Test
    void everyOptionOfEveryCommandIsDescribed() {
        List<String> undescribed = new ArrayList<>();
        collect(new CommandLine(new MetalCommand()), undescribed);
        assertEquals(List.of(), undescribed, "options without a description in --help");
    }

    @Test
    void theWalkReachesEveryCommand() {
        List<String> commands = new ArrayList<>();
        walk(new CommandLine(new MetalCommand()), commands);
        assertEquals(List.of("metal", "metal lm", "metal lm check", "metal lm generate", "metal train-base",
                "metal meta-train", "metal eval", "metal demo", "metal keys", "metal keys create", "metal keys list",
                "metal keys revoke", "metal store", "metal store list", "metal store add", "metal store publish",
                "metal periodic", "metal tasks", "metal tasks generate", "metal redis-migrate"), commands);
    }

    private static void collect(CommandLine cmd, List<String> undescribed) {
        for (ArgSpec arg : cmd.getCommandSpec().args()) {
            if (String.join(" ", arg.description()).isBlank()) {
                undescribed.add(cmd.getCommandSpec().qualifiedName() + " "
                        + (arg instanceof OptionSpec o ? o.longestName() : arg.paramLabel()));
            }
        }
        cmd.getSubcommands().values().forEach(sub -> collect(sub, undescribed));
    }

    private static void walk(CommandLine cmd, List<String> commands) {
        commands.add(cmd.getCommandSpec().qualifiedName());
        cmd.getSubcommands().values().forEach(sub -> walk(sub, commands));
    }
}
