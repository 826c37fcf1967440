package io.metalprompt.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the project's root and the read-only {@code ../shared} folder are, for tests in any module. */
public final class ProjectPaths {

    private ProjectPaths() {
    }

    /** The project root: the {@code metalprompt.root} system property (set by surefire), else the nearest folder with {@code mvnw}. */
    public static Path root() {
        String property = System.getProperty("metalprompt.root");
        if (property != null && !property.isBlank()) {
            return Path.of(property).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the project root (no mvnw above " + Path.of("").toAbsolutePath() + ")");
        }
        return dir;
    }

    /** {@code ../shared} beside the project; fails with a clear message when it is missing. */
    public static Path shared() {
        Path shared = root().resolveSibling("shared");
        if (!Files.isDirectory(shared)) {
            throw new IllegalStateException("this test reads ../shared (fixtures and tasks) but " + shared
                    + " does not exist: check out the project beside its shared/ folder");
        }
        return shared;
    }
}
