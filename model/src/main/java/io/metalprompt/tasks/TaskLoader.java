package io.metalprompt.tasks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads task files in MetaICL layout, {@code <root>/<task>/<task>_<k>_<seed>_<split>.jsonl}, one JSON object
 * a line with {@code task}, {@code input}, {@code output} and {@code options}. Every line is validated; the first
 * bad one stops the load with a {@link TaskDataException} naming the file and the 1-based line. Nothing here
 * knows any task, family or label word: any folder in this layout loads.
 */
public final class TaskLoader {

    /** MetaICL's meta-training files are {@code <task>_16384_100_train.jsonl}. */
    public static final int META_TRAIN_K = 16384;
    public static final int META_TRAIN_SEED = 100;
    public static final String TRAIN_SPLIT = "train";
    public static final String TEST_SPLIT = "test";

    private static final ObjectMapper JSON = new ObjectMapper();

    private TaskLoader() {
    }

    /** The file name for a task, k, seed and split: {@code <task>_<k>_<seed>_<split>.jsonl}. */
    public static String fileName(String task, int k, int seed, String split) {
        return task + "_" + k + "_" + seed + "_" + split + ".jsonl";
    }

    /** The meta-training examples of {@code task}: {@code <root>/<task>/<task>_16384_100_train.jsonl}. */
    public static List<TaskExample> loadTrain(Path root, String task) {
        return loadFile(root.resolve(task).resolve(fileName(task, META_TRAIN_K, META_TRAIN_SEED, TRAIN_SPLIT)));
    }

    /** The k-shot training examples a user registers: {@code <root>/<task>/<task>_<k>_<seed>_train.jsonl}. */
    public static List<TaskExample> loadFewShot(Path root, String task, int k, int seed) {
        return loadFile(root.resolve(task).resolve(fileName(task, k, seed, TRAIN_SPLIT)));
    }

    /** The test examples of {@code task} for a given k and seed. */
    public static List<TaskExample> loadTest(Path root, String task, int k, int seed) {
        return loadFile(root.resolve(task).resolve(fileName(task, k, seed, TEST_SPLIT)));
    }

    /**
     * The test examples of {@code task} whatever k and seed its test file is named with; when there are several
     * (MetaICL writes one per seed) the one with the smallest k, then the smallest seed, is read.
     */
    public static List<TaskExample> loadTest(Path root, String task) {
        Path dir = root.resolve(task);
        List<Path> files = testFiles(dir, task);
        if (files.isEmpty()) {
            throw new TaskDataException("no test file for task '" + task + "': expected "
                    + dir.resolve(task + "_<k>_<seed>_" + TEST_SPLIT + ".jsonl"));
        }
        return loadFile(files.get(0));
    }

    /** The seeds for which {@code <task>_<k>_<seed>_train.jsonl} exists, ascending. */
    public static List<Integer> fewShotSeeds(Path root, String task, int k) {
        Pattern p = Pattern.compile(Pattern.quote(task + "_" + k + "_") + "(\\d+)_" + TRAIN_SPLIT + "\\.jsonl");
        return listNames(root.resolve(task)).stream()
                .map(p::matcher).filter(Matcher::matches)
                .map(m -> Integer.parseInt(m.group(1))).sorted().toList();
    }

    /** The task folders directly under {@code root}, sorted by name. */
    public static List<String> listTasks(Path root) {
        if (!Files.isDirectory(root)) {
            throw new TaskDataException("no task folder at " + root);
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).map(p -> stripSlash(p.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            throw new TaskDataException("cannot list " + root + ": " + e.getMessage(), e);
        }
    }

    /** Reads and validates one JSONL file. */
    public static List<TaskExample> loadFile(Path file) {
        List<TaskExample> examples = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (!line.isBlank()) {
                    examples.add(parseLine(file, number, line));
                }
            }
        } catch (NoSuchFileException e) {
            throw new TaskDataException("missing task file: expected " + file);
        } catch (IOException e) {
            throw new TaskDataException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (examples.isEmpty()) {
            throw new TaskDataException(file + ": no examples");
        }
        return examples;
    }

    /** Parses and validates one line; {@code number} is 1-based and only used in messages. */
    static TaskExample parseLine(Path file, int number, String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw TaskDataException.at(file, number, "unreadable JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw TaskDataException.at(file, number, "expected a JSON object");
        }
        String task = text(file, number, node, "task");
        String input = text(file, number, node, "input");
        String output = text(file, number, node, "output");
        if (input.isBlank()) {
            throw TaskDataException.at(file, number, "empty input");
        }
        if (output.isBlank()) {
            throw TaskDataException.at(file, number, "empty output");
        }
        JsonNode opts = node.get("options");
        if (opts == null || opts.isNull()) {
            throw TaskDataException.at(file, number, "missing field 'options'");
        }
        if (!opts.isArray()) {
            throw TaskDataException.at(file, number, "field 'options' must be an array of strings");
        }
        List<String> options = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode o : opts) {
            if (!o.isTextual()) {
                throw TaskDataException.at(file, number, "field 'options' must be an array of strings, found " + o);
            }
            String option = o.asText();
            if (option.isBlank()) {
                throw TaskDataException.at(file, number, "empty option");
            }
            if (!seen.add(option)) {
                throw TaskDataException.at(file, number, "duplicate option '" + option + "'");
            }
            options.add(option);
        }
        if (options.size() < 2) {
            throw TaskDataException.at(file, number, "fewer than two options: " + options);
        }
        if (!seen.contains(output)) {
            throw TaskDataException.at(file, number, "output '" + output + "' is not among the options " + options);
        }
        return new TaskExample(task, input, output, options);
    }

    private static String text(Path file, int number, JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw TaskDataException.at(file, number, "missing field '" + field + "'");
        }
        if (!v.isTextual()) {
            throw TaskDataException.at(file, number, "field '" + field + "' must be a string, found " + v);
        }
        return v.asText();
    }

    private static List<Path> testFiles(Path dir, String task) {
        Pattern p = Pattern.compile(Pattern.quote(task + "_") + "(\\d+)_(\\d+)_" + TEST_SPLIT + "\\.jsonl");
        record Named(Path path, long k, long seed) {
        }
        return listNames(dir).stream()
                .map(name -> {
                    Matcher m = p.matcher(name);
                    return m.matches() ? new Named(dir.resolve(name), Long.parseLong(m.group(1)),
                            Long.parseLong(m.group(2))) : null;
                })
                .filter(java.util.Objects::nonNull)
                .sorted(Comparator.comparingLong(Named::k).thenComparingLong(Named::seed))
                .map(Named::path).toList();
    }

    private static List<String> listNames(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new TaskDataException("missing task folder: expected " + dir);
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(f -> stripSlash(f.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new TaskDataException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String stripSlash(String name) {
        return name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    }
}
