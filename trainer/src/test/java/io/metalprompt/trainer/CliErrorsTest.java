package io.metalprompt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.metalprompt.lm.LmFixtures;
import io.metalprompt.tasks.TestData;

/** A command given bad input says why in one line and exits 2: no stack trace. */
class CliErrorsTest {

    @Test
    void evalWithAFolderThatHoldsNoPgmSaysSoWithoutAStackTrace(@TempDir Path empty) throws IOException {
        Path config = Files.writeString(empty.resolve("dev.json"), "{\"train\": [], \"test\": [\"dev_000\"]}");
        PeriodicCommandTest.Run run = PeriodicCommandTest.metal(List.of("eval", "--model", LmFixtures.gpt2().toString(),
                "--tasks", TestData.tasksZip().toString(), "--config", config.toString(),
                "--method", "metal-prompt", "--pgm", empty.toString(), "--design", "PREFIX",
                "--out", empty.resolve("r.json").toString()));
        assertEquals(2, run.code(), run.err());
        assertTrue(run.err().startsWith("metal eval: ") && run.err().contains("no pgm.json in " + empty), run.err());
        assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
    }
}
