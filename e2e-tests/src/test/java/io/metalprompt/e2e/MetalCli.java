package io.metalprompt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.metalprompt.testing.ProjectPaths;

/** The packaged trainer's command line ({@code trainer/target/quarkus-app}), {@code metal ...}, as an operator runs it. */
final class MetalCli {

    private MetalCli() {
    }

    /** Runs {@code metal args...} to completion (at most 120 s); fails unless it exits 0; returns its non-blank lines. */
    static List<String> run(String... args) throws IOException, InterruptedException {
        Path jar = ProjectPaths.root().resolve("trainer/target/quarkus-app/quarkus-run.jar");
        assertTrue(Files.exists(jar), jar + " is missing: package the trainer first");
        Path log = Files.createTempFile(ProjectPaths.root().resolve("e2e-tests/target"), "metal-", ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("OPT_OUT_TRACKING", "true", "DJL_OFFLINE", "true", "OMP_WAIT_POLICY", "PASSIVE"));
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("metal " + String.join(" ", args) + " did not finish within 120 s");
        }
        List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
        assertEquals(0, p.exitValue(), "metal " + String.join(" ", args) + ":\n" + String.join("\n", lines));
        return lines;
    }

    /** Runs {@code metal args...} as {@link #run}; returns its last line of output. */
    static String lastLine(String... args) throws IOException, InterruptedException {
        List<String> lines = run(args);
        return lines.get(lines.size() - 1).strip();
    }
}
