package io.metalprompt.lm;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/** Locates {@code shared/fixtures/lm} next to the checkout; fails (never skips) when it is missing. */
public final class LmFixtures {
    private LmFixtures() {
    }

    public static Path root() {
        Path p = io.metalprompt.testing.ProjectPaths.shared().resolve("fixtures/lm");
        if (!Files.isDirectory(p)) {
            fail("LM fixtures not found at " + p + "; the reference outputs are required for these tests");
        }
        return p;
    }

    public static Path gpt2() {
        return model("gpt2-tiny");
    }

    public static Path llama() {
        return model("llama-tiny");
    }

    private static Path model(String name) {
        Path p = root().resolve(name);
        if (!Files.isRegularFile(p.resolve("reference.json"))) {
            fail("fixture " + p + " lacks reference.json");
        }
        return p;
    }
}
