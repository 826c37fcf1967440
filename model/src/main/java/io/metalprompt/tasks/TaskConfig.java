package io.metalprompt.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A MetaICL config file: {@code {"train": [task, ...], "test": [task, ...]}}. */
public record TaskConfig(List<String> train, List<String> test) {

    public TaskConfig {
        train = List.copyOf(train);
        test = List.copyOf(test);
    }

    /** Reads and validates a config file; both lists must be present, hold non-empty names and no repeats. */
    public static TaskConfig read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new TaskDataException("missing config file: expected " + file);
        } catch (IOException e) {
            throw new TaskDataException(file + ": unreadable config: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new TaskDataException(file + ": a config must be a JSON object with 'train' and 'test' lists");
        }
        return new TaskConfig(names(file, root, "train"), names(file, root, "test"));
    }

    private static List<String> names(Path file, JsonNode root, String field) {
        JsonNode list = root.get(field);
        if (list == null || !list.isArray()) {
            throw new TaskDataException(file + ": field '" + field + "' must be a list of task names");
        }
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode n : list) {
            if (!n.isTextual() || n.asText().isBlank()) {
                throw new TaskDataException(file + ": '" + field + "' holds a non-name entry " + n);
            }
            if (!seen.add(n.asText())) {
                throw new TaskDataException(file + ": '" + field + "' names task '" + n.asText() + "' twice");
            }
            out.add(n.asText());
        }
        return out;
    }
}
