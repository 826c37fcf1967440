package io.metalprompt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.metalprompt.testing.ProjectPaths;

/**
 * The packaged gateway carries no ML code: it depends on the contract module alone, so none of DJL, the PyTorch
 * natives, the tokenizers or the model module may be in its {@code quarkus-app/lib}. Adding any of them back (directly
 * or through a dependency) fails here.
 */
class GatewayPackageIT {

    private static final List<String> FORBIDDEN = List.of("ai.djl", "djl", "pytorch", "io.metalprompt.model-");

    @Test
    void theGatewayAppHoldsNoDjlOrPyTorchJar() throws IOException {
        Path lib = ProjectPaths.root().resolve("gateway/target/quarkus-app/lib");
        assertTrue(Files.isDirectory(lib), lib + " is missing: package the gateway first (the README's test command "
                + "runs 'verify', which packages it before the end-to-end tests)");
        List<String> jars;
        try (Stream<Path> files = Files.walk(lib)) {
            jars = files.filter(f -> f.toString().endsWith(".jar")).map(f -> lib.relativize(f).toString()).sorted().toList();
        }
        assertTrue(jars.stream().anyMatch(j -> j.contains("io.metalprompt.contract-")),
                "expected the contract jar among the gateway's libraries: " + jars);
        List<String> forbidden = jars.stream()
                .filter(j -> FORBIDDEN.stream().anyMatch(f -> j.toLowerCase(Locale.ROOT).contains(f)))
                .toList();
        assertEquals(List.of(), forbidden, "ML jars in the packaged gateway (it must depend on contract, not model)");
    }
}
