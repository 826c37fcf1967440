package io.metalprompt.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code specs.json}: {@code {"train": [spec, ...], "dev": [spec, ...]}} with each spec
 * {@code {"name", "family", "cats", "labels"}}: the lexicon derivation and the base trainer read its {@code train}
 * part, the evaluation any part that names its tasks (to report per family).
 */
public final class TaskSpecs {

    private TaskSpecs() {
    }

    /** The specs listed under {@code section} (e.g. {@code "train"}). */
    public static List<TaskSpec> read(Path file, String section) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new TaskDataException("missing specs file: expected " + file);
        } catch (IOException e) {
            throw new TaskDataException(file + ": unreadable specs: " + e.getMessage(), e);
        }
        JsonNode list = root == null ? null : root.get(section);
        if (list == null || !list.isArray()) {
            throw new TaskDataException(file + ": no '" + section + "' list of task specs");
        }
        List<TaskSpec> specs = new ArrayList<>();
        for (JsonNode s : list) {
            String name = s.path("name").asText("");
            if (name.isEmpty()) {
                throw new TaskDataException(file + ": a '" + section + "' spec has no name: " + s);
            }
            List<String> cats = strings(s.path("cats"));
            List<String> labels = strings(s.path("labels"));
            Family family = Family.parse(s.path("family").asText(""));
            if (!family.fits(cats.size(), labels.size())) {
                throw new TaskDataException(file + ": spec " + name + " (" + family.id() + ") has categories "
                        + cats + " and labels " + labels + ", which do not fit its family");
            }
            specs.add(new TaskSpec(name, family, cats, labels));
        }
        return specs;
    }

    /**
     * The kind of every task {@code file} names in any section, by task name; empty when the file does not exist
     * (a task folder need not have one).
     */
    public static java.util.Map<String, Family> families(Path file) {
        java.util.Map<String, Family> out = new java.util.LinkedHashMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        try {
            new ObjectMapper().readTree(Files.readString(file)).fieldNames().forEachRemaining(section ->
                    read(file, section).forEach(s -> out.put(s.name(), s.family())));
        } catch (IOException e) {
            throw new TaskDataException(file + ": unreadable specs: " + e.getMessage(), e);
        }
        return out;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
