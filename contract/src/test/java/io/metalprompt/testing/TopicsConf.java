package io.metalprompt.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads {@code deploy/topics.conf}: one topic a line, {@code name partitions key=value,key=value}; {@code #} comments. */
public final class TopicsConf {

    public record Spec(String name, int partitions, Map<String, String> configs) {
    }

    private TopicsConf() {
    }

    public static Path defaultPath() {
        return ProjectPaths.root().resolve("deploy/topics.conf");
    }

    public static List<Spec> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the topic list " + file, e);
        }
        List<Spec> specs = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length < 2 || parts.length > 3) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected 'name partitions [k=v,...]'");
            }
            Map<String, String> configs = new LinkedHashMap<>();
            if (parts.length == 3) {
                for (String kv : parts[2].split(",")) {
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException(file + ":" + (i + 1) + ": bad config '" + kv + "'");
                    }
                    configs.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            specs.add(new Spec(parts[0], Integer.parseInt(parts[1]), configs));
        }
        return specs;
    }
}
