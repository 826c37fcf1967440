package io.metalprompt.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TaskLoaderTest {

    @TempDir
    Path tmp;

    @Test
    void zipHoldsTheWholeTreeAndReadsLikeADirectory() throws IOException {
        try (TaskRoot zip = TaskRoot.open(TestData.tasksZip())) {
            assertEquals(70, TaskLoader.listTasks(zip.resolve("train")).size());
            assertEquals(10, TaskLoader.listTasks(zip.resolve("dev")).size());
            assertTrue(Files.exists(zip.resolve("README.md")));
            assertTrue(Files.exists(zip.resolve("specs.json")));
            TaskConfig config = TaskConfig.read(zip.resolve("config", "cls_to_cls_dev.json"));
            assertEquals(70, config.train().size());
            assertEquals(10, config.test().size());

            // Copy one task out of the zip: the directory path must read the same examples.
            String task = config.test().get(0);
            Path from = zip.resolve("dev", task);
            Path to = Files.createDirectories(tmp.resolve("dev").resolve(task));
            try (var files = Files.list(from)) {
                for (Path f : files.toList()) {
                    Files.copy(f, to.resolve(f.getFileName().toString()));
                }
            }
            try (TaskRoot dir = TaskRoot.open(tmp)) {
                assertEquals(TaskLoader.loadFewShot(zip.resolve("dev"), task, 16, 42),
                        TaskLoader.loadFewShot(dir.resolve("dev"), task, 16, 42));
                assertEquals(TaskLoader.loadTest(zip.resolve("dev"), task),
                        TaskLoader.loadTest(dir.resolve("dev"), task));
            }
        }
    }

    @Test
    void readsTrainFewShotAndTestFiles() {
        Map<String, List<TaskExample>> train = TestData.trainTasks();
        assertEquals(70, train.size());
        train.values().forEach(l -> assertEquals(1000, l.size()));
        try (TaskRoot root = TaskRoot.open(TestData.tasksZip())) {
            Path dev = root.resolve("dev");
            String task = TaskLoader.listTasks(dev).get(3);
            assertEquals(List.of(13, 21, 42, 87, 100), TaskLoader.fewShotSeeds(dev, task, 16));
            for (int seed : TaskLoader.fewShotSeeds(dev, task, 16)) {
                List<TaskExample> shots = TaskLoader.loadFewShot(dev, task, 16, seed);
                assertEquals(16, shots.size());
                assertTrue(shots.stream().allMatch(e -> e.task().equals(task)));
            }
            assertEquals(200, TaskLoader.loadTest(dev, task).size());
            assertEquals(TaskLoader.loadTest(dev, task, 16, 87), TaskLoader.loadTest(dev, task));
        }
    }

    @Test
    void anyTaskNameAndAnyLabelsLoad() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("held_out_colours"));
        Files.writeString(dir.resolve("held_out_colours_4_7_test.jsonl"), """
                {"task": "held_out_colours", "input": "Is the sky blue?", "output": "ja", "options": ["ja", "nein", "vielleicht"]}
                {"task": "held_out_colours", "input": "grass", "output": "nein", "options": ["ja", "nein", "vielleicht"]}
                """);
        List<TaskExample> test = TaskLoader.loadTest(tmp, "held_out_colours");
        assertEquals(2, test.size());
        assertEquals(new TaskExample("held_out_colours", "grass", "nein", List.of("ja", "nein", "vielleicht")),
                test.get(1));
        assertEquals(List.of("held_out_colours"), TaskLoader.listTasks(tmp));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "unreadable JSON|{\"task\": \"t\", \"input\": \"a b\", \"output\": \"x\", \"options\": [\"x\", \"y\"]|unreadable JSON",
        "missing input|{\"task\": \"t\", \"output\": \"x\", \"options\": [\"x\", \"y\"]}|missing field 'input'",
        "missing output|{\"task\": \"t\", \"input\": \"a b\", \"options\": [\"x\", \"y\"]}|missing field 'output'",
        "missing options|{\"task\": \"t\", \"input\": \"a b\", \"output\": \"x\"}|missing field 'options'",
        "missing task|{\"input\": \"a b\", \"output\": \"x\", \"options\": [\"x\", \"y\"]}|missing field 'task'",
        "empty input|{\"task\": \"t\", \"input\": \"  \", \"output\": \"x\", \"options\": [\"x\", \"y\"]}|empty input",
        "one option|{\"task\": \"t\", \"input\": \"a b\", \"output\": \"x\", \"options\": [\"x\"]}|fewer than two options",
        "duplicate options|{\"task\": \"t\", \"input\": \"a b\", \"output\": \"x\", \"options\": [\"x\", \"y\", \"x\"]}|duplicate option 'x'",
        "output not an option|{\"task\": \"t\", \"input\": \"a b\", \"output\": \"z\", \"options\": [\"x\", \"y\"]}|output 'z' is not among the options",
        "not an object|[1, 2]|expected a JSON object",
        "numeric input|{\"task\": \"t\", \"input\": 3, \"output\": \"x\", \"options\": [\"x\", \"y\"]}|field 'input' must be a string",
    })
    void rejectsABadLineNamingFileAndLine(String what, String badLine, String problem) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("t"));
        Path file = dir.resolve("t_16_13_train.jsonl");
        String good = "{\"task\": \"t\", \"input\": \"a b\", \"output\": \"x\", \"options\": [\"x\", \"y\"]}";
        Files.writeString(file, good + "\n" + good + "\n" + badLine + "\n" + good + "\n");
        TaskDataException e = assertThrows(TaskDataException.class, () -> TaskLoader.loadFewShot(tmp, "t", 16, 13));
        assertTrue(e.getMessage().startsWith(file + ":3: "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }

    @Test
    void missingFilesNameTheExpectedPath() throws IOException {
        Files.createDirectories(tmp.resolve("t"));
        TaskDataException train = assertThrows(TaskDataException.class, () -> TaskLoader.loadTrain(tmp, "t"));
        assertTrue(train.getMessage().contains(tmp.resolve("t").resolve("t_16384_100_train.jsonl").toString()),
                train.getMessage());
        TaskDataException test = assertThrows(TaskDataException.class, () -> TaskLoader.loadTest(tmp, "t"));
        assertTrue(test.getMessage().contains(tmp.resolve("t").resolve("t_<k>_<seed>_test.jsonl").toString()),
                test.getMessage());
        TaskDataException folder = assertThrows(TaskDataException.class, () -> TaskLoader.loadTest(tmp, "nope"));
        assertTrue(folder.getMessage().contains(tmp.resolve("nope").toString()), folder.getMessage());
        TaskDataException root = assertThrows(TaskDataException.class, () -> TaskRoot.open(tmp.resolve("none.zip")));
        assertTrue(root.getMessage().contains("none.zip"), root.getMessage());
        TaskDataException config = assertThrows(TaskDataException.class,
                () -> TaskConfig.read(tmp.resolve("config.json")));
        assertTrue(config.getMessage().contains(tmp.resolve("config.json").toString()), config.getMessage());
    }

    @Test
    void emptyFileIsRejected() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("t"));
        Files.writeString(dir.resolve("t_16_13_train.jsonl"), "\n");
        TaskDataException e = assertThrows(TaskDataException.class, () -> TaskLoader.loadFewShot(tmp, "t", 16, 13));
        assertTrue(e.getMessage().contains("no examples"), e.getMessage());
    }

    @Test
    void configNeedsBothListsOfNames() throws IOException {
        Path ok = tmp.resolve("ok.json");
        Files.writeString(ok, "{\"train\": [\"a\", \"b\"], \"test\": [\"c\"]}");
        assertEquals(new TaskConfig(List.of("a", "b"), List.of("c")), TaskConfig.read(ok));
        Path noTest = tmp.resolve("no-test.json");
        Files.writeString(noTest, "{\"train\": [\"a\"]}");
        TaskDataException e = assertThrows(TaskDataException.class, () -> TaskConfig.read(noTest));
        assertTrue(e.getMessage().contains("'test'"), e.getMessage());
        Path twice = tmp.resolve("twice.json");
        Files.writeString(twice, "{\"train\": [\"a\", \"a\"], \"test\": []}");
        assertThrows(TaskDataException.class, () -> TaskConfig.read(twice));
    }
}
