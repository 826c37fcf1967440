package io.metalprompt.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One version in a {@link ModelStore}, as its {@code version.json} records it: what it is ({@code kind},
 * {@code version} id, the base-model fingerprint, the PGM designs it holds), when and how it was made (the
 * command line, the data it was made from), how good it is ({@code metrics}), and a hash of its weights.
 * {@code location} is the version's folder (not stored in the file: the folder it was read from).
 */
public record ModelVersion(ModelKind kind, String version, String baseFingerprint, List<String> designs,
                           Instant createdAt, String contentSha256, String command, Map<String, String> data,
                           Map<String, Double> metrics, Path location) {

    /** Format of {@code version.json}; readers refuse another. */
    public static final int FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public ModelVersion {
        designs = List.copyOf(designs);
        data = Map.copyOf(data);
        metrics = Map.copyOf(metrics);
    }

    void write(Path file) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("format", FORMAT);
        n.put("kind", kind.folder());
        n.put("version", version);
        n.put("baseFingerprint", baseFingerprint);
        designs.forEach(n.putArray("designs")::add);
        n.put("createdAt", createdAt.toString());
        n.put("contentSha256", contentSha256);
        n.put("command", command);
        ObjectNode d = n.putObject("data");
        new java.util.TreeMap<>(data).forEach(d::put);
        ObjectNode m = n.putObject("metrics");
        new java.util.TreeMap<>(metrics).forEach(m::put);
        JSON.writeValue(file.toFile(), n);
    }

    /** Reads the {@code version.json} of the version folder {@code dir}. */
    static ModelVersion read(Path dir) {
        Path file = dir.resolve(ModelStore.VERSION_FILE);
        JsonNode n;
        try {
            n = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelStoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (n == null || n.path("format").asInt(-1) != FORMAT) {
            throw new ModelStoreException(file + " has format " + (n == null ? "none" : n.path("format"))
                    + "; this build reads format " + FORMAT);
        }
        List<String> designs = new ArrayList<>();
        n.path("designs").forEach(x -> designs.add(x.asText()));
        Map<String, String> data = new LinkedHashMap<>();
        n.path("data").fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
        Map<String, Double> metrics = new LinkedHashMap<>();
        n.path("metrics").fields().forEachRemaining(e -> metrics.put(e.getKey(), e.getValue().asDouble()));
        try {
            return new ModelVersion(ModelKind.of(n.path("kind").asText()), n.path("version").asText(),
                    n.path("baseFingerprint").asText(), designs, Instant.parse(n.path("createdAt").asText()),
                    n.path("contentSha256").asText(), n.path("command").asText(""), data, metrics, dir);
        } catch (RuntimeException e) {
            throw new ModelStoreException(file + " is not a valid version record: " + e.getMessage(), e);
        }
    }
}
