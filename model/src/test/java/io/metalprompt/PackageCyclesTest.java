package io.metalprompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The packages of this module's main code depend on each other one way: no package reaches back, through any
 * chain, to a package that uses it (imports and fully qualified names count; comments do not).
 */
class PackageCyclesTest {

    private static final Path SOURCES = Path.of("src/main/java/io/metalprompt");
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.metalprompt\\.([a-z]+)\\.[A-Z]");
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    @Test
    void noPackageCycles() {
        Map<String, Set<String>> uses = dependencies();
        assertTrue(uses.size() > 1, "expected several packages under " + SOURCES.toAbsolutePath());
        List<String> cycle = new ArrayList<>();
        for (String start : uses.keySet()) {
            if (cycle.isEmpty()) {
                cycle = cycleFrom(start, uses, new ArrayList<>(), new TreeSet<>());
            }
        }
        assertEquals(List.of(), cycle, "package cycle; every package uses: " + uses);
    }

    /** Package -> the other packages of the project its main classes name. */
    private static Map<String, Set<String>> dependencies() {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String pkg = SOURCES.relativize(file).getName(0).toString();
                Set<String> used = uses.computeIfAbsent(pkg, p -> new TreeSet<>());
                Matcher m = REFERENCE.matcher(COMMENT.matcher(Files.readString(file)).replaceAll(""));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        used.add(m.group(1));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sources under " + SOURCES.toAbsolutePath(), e);
        }
        return uses;
    }

    /** A path from {@code pkg} back to a package already on {@code path}, or an empty list. */
    private static List<String> cycleFrom(String pkg, Map<String, Set<String>> uses, List<String> path, Set<String> done) {
        int seen = path.indexOf(pkg);
        if (seen >= 0) {
            List<String> cycle = new ArrayList<>(path.subList(seen, path.size()));
            cycle.add(pkg);
            return cycle;
        }
        if (!done.add(pkg)) {
            return List.of();
        }
        path.add(pkg);
        for (String next : uses.getOrDefault(pkg, Set.of())) {
            List<String> cycle = cycleFrom(next, uses, path, done);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        path.remove(path.size() - 1);
        return List.of();
    }
}
