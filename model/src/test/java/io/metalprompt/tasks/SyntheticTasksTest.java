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
        assertEquals(Family.originals(), seen.keySet());
        assertTrue(seen.get(Family.TOPIC) > seen.get(Family.SENTIMENT));
    }

    @Test
    void everyKindMakesExamplesItsRuleReadsOneWayInBothForms() {
        SplittableRandom random = new SplittableRandom(17);
        for (Family family : Family.values()) {
            for (int t = 0; t < 40; t++) {
                TaskSpec task = gen.newTask(family, random, 2, 4);
                assertTrue(family.fits(task.categories().size(), task.labels().size()), task.toString());
                Map<String, Integer> produced = new java.util.HashMap<>();
                for (int i = 0; i < 60; i++) {
                    TaskExample e = gen.example(task, random, i % 3 == 0);
                    assertEquals(Set.of(e.output()), rules.allowedLabels(task, e.input()), task + ": " + e);
                    String[] words = e.input().split(" ");
                    assertTrue(words.length >= 1 && words.length <= 12, e.input());
                    for (String w : words) {
                        assertTrue(lex.allWords().contains(w), w);
                    }
                    produced.merge(e.output(), 1, Integer::sum);
                }
                assertEquals(task.labels().size(), produced.size(), "60 examples do not use every label: " + task);
            }
        }
    }

    @Test
    void kindsDrawnFromABalancedMixAreUniformAndRespectClassRanges() {
        SplittableRandom random = new SplittableRandom(5);
        List<Family> mix = SyntheticTasks.balanced(Family.trainable());
        Map<Family, Integer> seen = new EnumMap<>(Family.class);
        for (int i = 0; i < 6500; i++) {
            seen.merge(gen.newTask(mix, random, 2, 4).family(), 1, Integer::sum);
        }
        assertEquals(Family.trainable(), seen.keySet());
        seen.values().forEach(n -> assertEquals(500, n, 90, seen.toString()));
        for (int i = 0; i < 200; i++) {
            TaskSpec t = gen.newTask(mix, random, 3, 4);
            assertTrue(t.labels().size() >= 3, t.toString());
            assertTrue(Set.of(Family.TOPIC, Family.FIRST, Family.LAST, Family.COUNT).contains(t.family()), t.toString());
        }
    }

    @Test
    void rulesOfTheNewKindsReadHandWrittenSentences() {
        TaskSpec last = new TaskSpec("t", Family.LAST, List.of("animal", "food"), List.of("a1", "f1"));
        assertEquals(Set.of("f1"), rules.allowedLabels(last, "the dog liked a cake"));
        assertEquals(Set.of("a1"), rules.allowedLabels(last, "the cake liked a dog"));
        TaskSpec count = new TaskSpec("t", Family.COUNT, List.of(), List.of("one", "two", "three"));
        assertEquals(Set.of("two"), rules.allowedLabels(count, "the dog liked a cake"));
        assertEquals(Set.of(), rules.allowedLabels(count, "the very dog liked a cake and red fox"));
        TaskSpec both = new TaskSpec("t", Family.BOTH, List.of("animal", "food"), List.of("y", "n"));
        assertEquals(Set.of("y"), rules.allowedLabels(both, "the dog liked a cake"));
        assertEquals(Set.of("n"), rules.allowedLabels(both, "the dog liked a car"));
        TaskSpec same = new TaskSpec("t", Family.SAME, List.of(), List.of("same", "diff"));
        assertEquals(Set.of("same"), rules.allowedLabels(same, "the dog liked a fox"));
        assertEquals(Set.of("diff"), rules.allowedLabels(same, "the dog liked a cake"));
        TaskSpec group = new TaskSpec("t", Family.GROUP, List.of("animal", "food", "color"), List.of("g0", "g1"));
        assertEquals(Set.of("g0"), rules.allowedLabels(group, "a red car"));
        assertEquals(Set.of("g1"), rules.allowedLabels(group, "a cake"));
        TaskSpec firstEmotion = new TaskSpec("t", Family.FIRST_EMOTION, List.of(), List.of("pos", "neg"));
        assertEquals(Set.of("neg"), rules.allowedLabels(firstEmotion, "a sad happy joyful dog"));
        TaskSpec length = new TaskSpec("t", Family.LENGTH, List.of(), List.of("short", "long"));
        assertEquals(Set.of("short"), rules.allowedLabels(length, "a sad dog"));
        assertEquals(Set.of(), rules.allowedLabels(length, "a sad dog was very happy"));
        // "saw" is a tool and a filler: SECOND reads it both ways
        TaskSpec second = new TaskSpec("t", Family.SECOND, List.of("animal", "tool", "food"), List.of("a", "t", "f"));
        assertEquals(Set.of("t", "f"), rules.allowedLabels(second, "a dog saw cake"));
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
        for (Family family : Family.originals()) {
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
