package io.metalprompt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.metalprompt.lm.LmFixtures;
import io.metalprompt.tasks.TestData;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Every command ends the same way: exit 0 when done, 2 on bad input, 1 when the run failed; a failure is one line on
 * standard error naming the command, with no stack trace unless it is a bug.
 */
class CliErrorsTest {

    @Test
    void anOptionPicocliRejectsIsBadInputWithTheUsage() {
        MetalCli.Run run = MetalCli.run("store", "list", "--store", "s", "--no-such-option");
        assertEquals(CliErrors.BAD_INPUT, run.code());
        assertTrue(run.err().startsWith("Unknown option: '--no-such-option'") && run.err().contains("Usage: metal store list"),
                run.err());
    }

    @Test
    void anOptionACommandRejectsIsBadInputWithTheUsage() {
        MetalCli.Run run = MetalCli.run("meta-train", "--base", "b", "--out", "o", "--publish");
        assertEquals(CliErrors.BAD_INPUT, run.code());
        assertTrue(run.err().startsWith("--publish needs --store") && run.err().contains("Usage: metal meta-train"), run.err());
        assertEquals("", run.out());
    }

    @Test
    void evalWithAFolderThatHoldsNoPgmSaysSoWithoutAStackTrace(@TempDir Path empty) throws IOException {
        Path config = Files.writeString(empty.resolve("dev.json"), "{\"train\": [], \"test\": [\"dev_000\"]}");
        MetalCli.Run run = MetalCli.run(List.of("eval", "--model", LmFixtures.gpt2().toString(),
                "--tasks", TestData.tasksZip().toString(), "--config", config.toString(),
                "--method", "metal-prompt", "--pgm", empty.toString(), "--design", "PREFIX",
                "--out", empty.resolve("r.json").toString()));
        assertEquals(CliErrors.BAD_INPUT, run.code(), run.err());
        assertTrue(run.err().startsWith("metal eval: ") && run.err().contains("no pgm.json in " + empty), run.err());
        assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
    }

    @Test
    void aRunThatFailsSaysWhyInOneLine(@TempDir Path store) {
        MetalCli.Run run = MetalCli.run("store", "publish", "--store", store.toString(), "--id", "nope", "--kafka", "127.0.0.1:1");
        assertEquals(CliErrors.FAILED, run.code());
        assertEquals("metal store publish: failed: no pgm version nope in the store " + store + " (it has none)",
                run.err().strip());
        assertEquals("", run.out());
    }

    @Command(name = "buggy")
    static class Buggy implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new NullPointerException("a bug");
        }
    }

    @Test
    void aBugFailsTheRunWithItsStackTrace() {
        StringWriter err = new StringWriter();
        CommandLine cmd = CliErrors.install(new CommandLine(new Buggy()));
        cmd.setErr(new PrintWriter(err, true));
        assertEquals(CliErrors.FAILED, cmd.execute());
        assertTrue(err.toString().startsWith("buggy: failed: a bug") && err.toString().contains("\tat "), err.toString());
    }
}
