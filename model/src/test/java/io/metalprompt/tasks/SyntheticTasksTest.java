package io.metalprompt.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SyntheticTasksTest {

    private final Lexicon lex = TestData.lexicon();
    private final SyntheticTasks gen = new SyntheticTasks(lex);
    private final FamilyRules rules = new FamilyRules(lex);

    @Test
    void everyExampleSatisfiesItsFamilyRuleUnambiguously() {
        SplittableRandom random = new SplittableRandom(7);
        Map<Family, Integer> seen = new EnumMap<>(Family.class);
        for (int t = 0; t < 400; t++) {
            TaskSpec task = gen.newTask(random, 2, 4);
            seen.merge(task.family(), 1, Integer::sum);
            assertEquals(task.labels().size(), new HashSet<>(task.labels()).size(), "label words repeat: " + task);
            assertTrue(lex.labels().containsAll(task.labels()), task.toString());
            Set<String> produced = new HashSet<>();
            for (TaskExample e : gen.examples(task, 40, random)) {
                assertEquals(Set.of(e.output()), rules.allowedLabels(task, e.input()), task + ": " + e);
                assertEquals(task.labels(), e.options());
                produced.add(e.output());
                String[] words = e.input().split(" ");
                assertTrue(words.length >= 3 && words.length <= 12, e.input());
                for (String w : words) {
                    assertTrue(lex.allWords().contains(w), w);
                }
                if (task.family() == Family.FIRST) {
                    long inTask = java.util.Arrays.stream(words)
                            .filter(w -> lex.categoryOf(w).filter(task.categories()::contains).isPresent()).count();
                    assertTrue(inTask == 2 || inTask == 3, e.input());
                }
            }
            assertTrue(produced.size() >= 2, "40 examples with one label: " + task);
        }
        assertEquals(Set.of(Family.values()), seen.keySet());
        assertTrue(seen.get(Family.TOPIC) > seen.get(Family.SENTIMENT));
    }

    @Test
    void plainSentencesHoldOnlyTheWordsTheRuleReadsAndStillFollowIt() {
        SplittableRandom random = new SplittableRandom(11);
        for (int t = 0; t < 200; t++) {
            TaskSpec task = gen.newTask(random, 2, 4);
            for (int i = 0; i < 20; i++) {
                TaskExample e = gen.example(task, random, true);
                assertEquals(Set.of(e.output()), rules.allowedLabels(task, e.input()), task + ": " + e);
                for (String w : e.input().split(" ")) {
                    boolean readable = lex.categoryOf(w).isPresent() || lex.positive().contains(w)
                            || lex.negative().contains(w);
                    assertTrue(readable, "filler in a plain sentence: " + e.input());
                }
                if (task.family() == Family.TOPIC) {
                    assertEquals(1, e.input().split(" ").length, "a plain topic sentence is its content word: " + e);
                }
            }
        }
    }

    @Test
    void classCountsFollowTheRequestedRange() {
        SplittableRandom random = new SplittableRandom(3);
        Set<Integer> counts = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            TaskSpec t = gen.newTask(random, 3, 4);
            counts.add(t.labels().size());
            assertTrue(t.family() == Family.TOPIC || t.family() == Family.FIRST, t.toString());
            assertEquals(t.categories().size(), t.labels().size());
        }
        assertEquals(Set.of(3, 4), counts);
        for (int i = 0; i < 100; i++) {
            assertEquals(2, gen.newTask(random, 2, 2).labels().size());
        }
    }

    @Test
    void sentenceLengthsFollowTheTrainingData() {
        Map<Family, java.util.IntSummaryStatistics> data = new EnumMap<>(Family.class);
        try (TaskRoot root = TaskRoot.open(TestData.tasksZip())) {
            for (TaskSpec spec : TaskSpecs.read(root.resolve("specs.json"), "train")) {
                TestData.trainTasks().get(spec.name()).forEach(e -> data
                        .computeIfAbsent(spec.family(), f -> new java.util.IntSummaryStatistics())
                        .accept(e.input().split(" ").length));
            }
        }
        SplittableRandom random = new SplittableRandom(21);
        for (Family family : Family.values()) {
            java.util.IntSummaryStatistics synth = new java.util.IntSummaryStatistics();
            for (int t = 0; t < 50; t++) {
                TaskSpec task = gen.newTask(family, random, 2, 4);
                gen.examples(task, 40, random).forEach(e -> synth.accept(e.input().split(" ").length));
            }
            java.util.IntSummaryStatistics real = data.get(family);
            assertEquals(real.getAverage(), synth.getAverage(), 0.35, family + ": " + real + " vs " + synth);
            assertTrue(synth.getMin() >= real.getMin() && synth.getMax() <= real.getMax(),
                    family + ": " + real + " vs " + synth);
        }
    }

    @Test
    void seedsReproduceAndDifferentSeedsDiffer() {
        assertEquals(draw(11), draw(11));
        assertNotEquals(draw(11), draw(12));
    }

    private List<TaskExample> draw(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        TaskSpec t = gen.newTask(random, 2, 4);
        return gen.examples(t, 20, random);
    }
}
