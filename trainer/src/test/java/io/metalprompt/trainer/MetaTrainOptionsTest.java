package io.metalprompt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.metalprompt.prompt.MetaTrainerOptions;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.tasks.Family;
import picocli.CommandLine;

/** {@code metal meta-train}'s options as the trainer gets them, and their {@code --help} (every command's: {@link HelpTest}). */
class MetaTrainOptionsTest {

    private static MetaTrainerOptions parse(String... args) {
        MetaTrainCommand command = new MetaTrainCommand();
        new CommandLine(command).parseArgs(args);
        return command.train.toOptions(command.out, command.stopAfter, "metal meta-train (test)");
    }

    @Test
    void kindsAndExcludedKindsReachTheTrainer() {
        MetaTrainerOptions o = parse("--base", "b", "--out", "o", "--kinds", "all", "--exclude-kinds", "topic,count");
        Set<Family> expected = EnumSet.copyOf(Family.trainable());
        expected.removeAll(List.of(Family.TOPIC, Family.COUNT));
        assertEquals(expected, EnumSet.copyOf(o.kinds()));
        assertEquals(List.of(Family.FIRST, Family.LAST), parse("--base", "b", "--out", "o", "--kinds", "first,last").kinds());
        assertEquals(List.of(), parse("--base", "b", "--out", "o").kinds(), "no --kinds: the legacy mix");
    }

    @Test
    void defaultsAreTheBuildersDefaults() {
        MetaTrainerOptions cli = parse("--base", "b", "--out", "o");
        MetaTrainerOptions built = MetaTrainerOptions.builder(Path.of("o"), Path.of("b"))
                .optCommand("metal meta-train (test)").build();
        assertEquals(built, cli);
        assertEquals(PromptDesign.PREFIX, cli.design());
    }

    @Test
    void metaTrainAndPeriodicShowTheKindsOptionsInHelp() {
        for (Object command : new Object[] {new MetaTrainCommand(), new PeriodicCommand()}) {
            String help = new CommandLine(command).getUsageMessage();
            assertTrue(help.contains("--kinds") && help.contains("--exclude-kinds"), help);
        }
    }
}
