package io.metalprompt.e2e.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * What the client saw of one fault run, counted per request id: {@code answered} got a correct-status answer
 * ({@code OK}), {@code clearErrors} got a result with an error status and a reason (or a send that failed with an
 * exception), {@code lost = sent - answered - clearErrors} got nothing within the wait, {@code duplicated} got
 * more than one result, {@code wrong} were answered OK with a prediction other than the unfaulted run's;
 * {@code slowestMillis} is the longest time from sending a request to its first result.
 */
public record Tally(String fault, String detail, int sent, int answered, int clearErrors, int lost, int duplicated,
                    int wrong, Map<String, Integer> errors, long slowestMillis, long millis,
                    Map<String, String> settings) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** {@code e2e-tests/target/reliability/<name>.json}. */
    public Path write(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(name + ".json");
        JSON.writeValue(file.toFile(), this);
        return file;
    }

    public static Tally read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), Tally.class);
    }

    /** Nothing lost, nothing answered twice, no answer other than the unfaulted run's (clear errors allowed). */
    public void assertClean() {
        org.junit.jupiter.api.Assertions.assertEquals(0, lost, () -> "lost: " + this);
        org.junit.jupiter.api.Assertions.assertEquals(0, duplicated, () -> "duplicated: " + this);
        org.junit.jupiter.api.Assertions.assertEquals(0, wrong, () -> "wrong answers: " + this);
    }

    /** The same counts with another detail (what became known only after the run, e.g. how long a service was away). */
    public Tally withDetail(String detail) {
        return new Tally(fault, detail, sent, answered, clearErrors, lost, duplicated, wrong, errors, slowestMillis,
                millis, settings);
    }

    @Override
    public String toString() {
        return String.format("%s: sent %d, answered %d, clear errors %d %s, lost %d, duplicated %d, wrong %d, slowest %d ms"
                + " (%d ms)", fault, sent, answered, clearErrors, errors, lost, duplicated, wrong, slowestMillis, millis);
    }

    /** The markdown table of every {@code *.json} in {@code dir}, in file-name order. */
    public static String table(Path dir) throws IOException {
        return table(dir, "requests sent", true);
    }

    /**
     * As {@link #table(Path)}, the first count headed {@code sentHeader}; without the duplicated column when
     * {@code duplicates} is false (an HTTP client of the gateway cannot see a duplicated result: the gateway keeps the
     * first reply per request id).
     */
    public static String table(Path dir, String sentHeader, boolean duplicates) throws IOException {
        List<Path> files = new ArrayList<>();
        try (var list = Files.list(dir)) {
            list.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().forEach(files::add);
        }
        StringBuilder md = new StringBuilder();
        md.append("| fault | ").append(sentHeader).append(" | answered | clear errors | lost | ")
                .append(duplicates ? "duplicated | " : "").append("wrong answers | slowest answer | run took |\n");
        md.append("|---|---:|---:|---:|---:|").append(duplicates ? "---:|" : "").append("---:|---:|---:|\n");
        Map<String, String> settings = new LinkedHashMap<>();
        for (Path file : files) {
            Tally t = read(file);
            md.append(String.format("| %s | %d | %d | %s | %d | %s%d | %s | %.0f s |%n",
                    t.fault() + (t.detail().isEmpty() ? "" : " (" + t.detail() + ")"), t.sent(), t.answered(),
                    t.clearErrors() == 0 ? "0" : t.clearErrors() + " (" + describe(t.errors()) + ")", t.lost(),
                    duplicates ? t.duplicated() + " | " : "", t.wrong(), t.slowestMillis() > 0 ? String.format("%.1f s", t.slowestMillis() / 1000.0)
                            : "", t.millis() / 1000.0));
            settings.putAll(t.settings());
        }
        md.append('\n');
        settings.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        return md.toString();
    }

    private static String describe(Map<String, Integer> errors) {
        List<String> parts = new ArrayList<>();
        errors.forEach((k, v) -> parts.add(v + " " + k));
        return String.join(", ", parts);
    }
}
