package io.metalprompt.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Prometheus' own checker, {@code promtool check metrics}, where it is installed (Debian's {@code prometheus} package
 * ships it): the reference for {@link TextFormatRules}, which apply wherever it is not.
 */
public final class Promtool {

    private Promtool() {
    }

    /** The {@code promtool} on the PATH, if any. */
    public static Optional<Path> find() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(java.io.File.pathSeparator)).map(dir -> Path.of(dir, "promtool"))
                .filter(Files::isExecutable).findFirst();
    }

    /**
     * {@code exposition} through {@code promtool check metrics}: empty when it parses, else what promtool says. Lint
     * findings (naming advice, exit code 3) are not failures of the format; a parse error is exit code 1.
     */
    public static Optional<String> parseErrors(Path promtool, String exposition) {
        try {
            Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(exposition.getBytes(StandardCharsets.UTF_8));
            }
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("promtool did not finish in 30 s");
            }
            return p.exitValue() == 0 || p.exitValue() == 3 ? Optional.empty()
                    : Optional.of("exit code " + p.exitValue() + ": " + said);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + promtool, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + promtool, e);
        }
    }
}
