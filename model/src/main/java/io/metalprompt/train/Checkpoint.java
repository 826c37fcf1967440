package io.metalprompt.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A training checkpoint folder written so that a kill never leaves a half-written one: everything goes into
 * {@code checkpoint.tmp} (the trainer's parameters, the AdamW moments, {@code state.json} with the step), which
 * is then swapped in with atomic moves.
 */
public final class Checkpoint {

    /** Writes what a trainer trains into the (new, empty) folder it is given. */
    @FunctionalInterface
    public interface Contents {
        void writeTo(Path dir) throws IOException;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private Checkpoint() {
    }

    /** Replaces {@code checkpoint} with the trainer's {@code contents}, the optimizer state and its step. */
    public static void write(Path checkpoint, Contents contents, AdamW optimizer) throws IOException {
        Path tmp = checkpoint.resolveSibling("checkpoint.tmp");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        contents.writeTo(tmp);
        optimizer.save(tmp.resolve("optimizer.safetensors"));
        JSON.writeValue(tmp.resolve("state.json").toFile(), JSON.createObjectNode().put("step", optimizer.steps()));
        Path old = checkpoint.resolveSibling("checkpoint.old");
        deleteTree(old);
        if (Files.exists(checkpoint)) {
            Files.move(checkpoint, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(tmp, checkpoint, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
