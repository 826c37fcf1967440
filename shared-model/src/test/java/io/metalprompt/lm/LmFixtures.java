package io.metalprompt.lm;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/** Locates {@code shared/fixtures/lm} next to the checkout; fails (never skips) when it is missing. */
public final class LmFixtures {
    private LmFixtures() {
    }

    public static Path root() {
        String prop = System.getProperty("metal.root");
        if (prop != null && !prop.isBlank()) {
            Path p = Path.of(prop).toAbsolutePath().normalize().resolve("../shared/fixtures/lm").normalize();
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("shared/fixtures/lm");
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        return fail("LM fixtures not found: expected ../shared/fixtures/lm relative to the project root (metal.root="
                + prop + ") or shared/fixtures/lm in a parent of " + Path.of("").toAbsolutePath()
                + "; the reference outputs are required for these tests");
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
