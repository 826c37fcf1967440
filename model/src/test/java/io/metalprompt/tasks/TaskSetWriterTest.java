package io.metalprompt.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A generated task set reads like ../shared/tasks/dev: nested k-shot sets, one test split, specs and a config. */
class TaskSetWriterTest {

    private final TaskSetWriter writer = new TaskSetWriter(TestData.lexicon());
    private final TaskSetWriter.Plan plan = new TaskSetWriter.Plan("val", List.of(Family.LAST, Family.COUNT), 2,
            List.of(64, 16), List.of(100, 13), 30, 9);

    @Test
    void writesMetaIclLayoutWithNestedShotsASharedTestSplitAndSpecs(@TempDir Path dir) {
        List<TaskSpec> specs = writer.write(plan, dir);
        assertEquals(List.of("val_last_0", "val_last_1", "val_count_0", "val_count_1"),
                specs.stream().map(TaskSpec::name).toList());
        assertEquals(specs.stream().map(TaskSpec::name).toList(), TaskConfig.read(dir.resolve("config.json")).test());
        Map<String, Family> families = TaskSpecs.families(dir.resolve("specs.json"));
        FamilyRules rules = new FamilyRules(TestData.lexicon());
        for (TaskSpec spec : specs) {
            assertEquals(spec.family(), families.get(spec.name()));
            assertEquals(List.of(13, 100), TaskLoader.fewShotSeeds(dir, spec.name(), 16));
            List<TaskExample> test = TaskLoader.loadTest(dir, spec.name());
            assertEquals(30, test.size());
            for (int seed : List.of(100, 13)) {
                List<TaskExample> k16 = TaskLoader.loadFewShot(dir, spec.name(), 16, seed);
                List<TaskExample> k64 = TaskLoader.loadFewShot(dir, spec.name(), 64, seed);
                assertEquals(k16, k64.subList(0, 16));
                assertEquals(test, TaskLoader.loadTest(dir, spec.name(), 64, seed));
                for (TaskExample e : k64) {
                    assertEquals(Set.of(e.output()), rules.allowedLabels(spec, e.input()), e.toString());
                    assertEquals(spec.labels(), e.options());
                }
            }
            assertNotEquals(TaskLoader.loadFewShot(dir, spec.name(), 16, 100), TaskLoader.loadFewShot(dir, spec.name(), 16, 13));
        }
    }

    @Test
    void theSamePlanWritesTheSameBytes(@TempDir Path dir) throws Exception {
        writer.write(plan, dir.resolve("a"));
        writer.write(plan, dir.resolve("b"));
        for (String f : List.of("specs.json", "config.json", "val_count_1/val_count_1_64_13_train.jsonl",
                "val_last_0/val_last_0_16_100_test.jsonl")) {
            assertEquals(Files.readString(dir.resolve("a").resolve(f)), Files.readString(dir.resolve("b").resolve(f)), f);
        }
    }
}
