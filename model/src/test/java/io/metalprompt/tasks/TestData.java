package io.metalprompt.tasks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Locates the shipped data files and caches the meta-training tasks for tests. */
public final class TestData {

    private static Map<String, List<TaskExample>> train;
    private static Lexicon lexicon;

    private TestData() {
    }

    public static Path dataDir() {
        return io.metalprompt.testing.ProjectPaths.root().resolve("data");
    }

    public static Path tasksZip() {
        return dataDir().resolve("tasks.zip");
    }

    /** True when run with {@code -Dmetal.data.rewrite=true}: tests then regenerate the shipped files. */
    public static boolean rewrite() {
        return Boolean.getBoolean("metal.data.rewrite");
    }

    public static synchronized Map<String, List<TaskExample>> trainTasks() {
        if (train == null) {
            Map<String, List<TaskExample>> m = new LinkedHashMap<>();
            try (TaskRoot root = TaskRoot.open(tasksZip())) {
                Path dir = root.resolve("train");
                for (String t : TaskLoader.listTasks(dir)) {
                    m.put(t, TaskLoader.loadTrain(dir, t));
                }
            }
            train = m;
        }
        return train;
    }

    public static synchronized Lexicon lexicon() {
        if (lexicon == null) {
            if (rewrite()) {
                LexiconDeriver.fromTree(tasksZip()).write(dataDir().resolve("lexicon.json"));
            }
            lexicon = Lexicon.read(dataDir().resolve("lexicon.json"));
        }
        return lexicon;
    }
}
