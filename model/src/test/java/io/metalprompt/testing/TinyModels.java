package io.metalprompt.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.prompt.LoraAdapter;
import io.metalprompt.prompt.PromptGenerator;
import io.metalprompt.prompt.TrainablePadding;

/**
 * Models for service tests, made once per JVM in a temporary folder: the tiny GPT-2 fixture as the base LM and
 * an untrained PGM for every design on top of it (prompts are then well-formed, not good: these tests check
 * the plumbing, the evaluation checks quality).
 *
 * <p>They are made in a child JVM: DJL's native library can be loaded by one class loader of a JVM only, and
 * in a Quarkus test that must be the application's.
 */
public final class TinyModels {

    public static final int K = 4;
    private static Path root;

    private TinyModels() {
    }

    /** {@code metal.model.base} and {@code metal.model.pgm} for a service under test. */
    public static Map<String, String> config() {
        synchronized (System.class) {
            String made = System.getProperty("metalprompt.test.tiny-models");   // made by another class loader
            if (made != null) {
                root = Path.of(made);
            } else if (root == null) {
                root = create();
                System.setProperty("metalprompt.test.tiny-models", root.toString());
            }
        }
        return Map.of("metal.model.base", root.resolve("base").toString(), "metal.model.pgm", root.resolve("pgm").toString());
    }

    private static Path create() {
        try {
            Path dir = Files.createTempDirectory("metal-tiny-models");
            // the child's output goes to a file: surefire talks to this JVM over its standard output
            Path log = dir.resolve("make-models.log");
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"),
                    "-D" + "metalprompt.root=" + ProjectPaths.root(), "-Dai.djl.offline=true",
                    TinyModels.class.getName(), dir.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("making the tiny test models failed (exit " + p.exitValue() + "):\n"
                        + Files.readString(log));
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the tiny test models", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Child-JVM entry point: writes {@code base/} and {@code pgm/<design>/} under the folder given. */
    public static void main(String[] args) throws IOException {
        write(Path.of(args[0]));
    }

    private static void write(Path dir) throws IOException {
        Path base = dir.resolve("base");
            Files.createDirectories(base);
            Path fixture = ProjectPaths.shared().resolve("fixtures/lm/gpt2-tiny");
            for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
                Files.copy(fixture.resolve(f), base.resolve(f));
            }
            try (LanguageModel lm = LanguageModel.load(base, LmSettings.cpu())) {
                for (PromptDesign design : PromptDesign.values()) {
                    try (PromptGenerator pgm = PromptGenerator.create(lm,
                            new LoraAdapter.Config(2, 4, List.of("c_attn")),
                            TrainablePadding.defaultConfig(K, lm.config().dModel()), design, 7)) {
                        pgm.save(dir.resolve("pgm").resolve(design.name().toLowerCase()), "tiny-" + design,
                                Map.of("purpose", "service tests"));
                    }
                }
            }
    }
}
