package io.metalprompt.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LexiconTest {

    @Test
    void shippedLexiconIsWhatTheTrainingDataImplies() throws Exception {
        Lexicon derived = LexiconDeriver.fromTree(TestData.tasksZip());
        Path shipped = TestData.dataDir().resolve("lexicon.json");
        if (TestData.rewrite()) {
            derived.write(shipped);
        }
        assertEquals(Files.readString(shipped), derived.toJson(), "data/lexicon.json is stale: rebuild it");
        assertEquals(derived, Lexicon.read(shipped));
    }

    @Test
    void lexiconHasTheTenCategoriesAndTheEmotionSplit() {
        Lexicon lex = TestData.lexicon();
        assertEquals(List.of("animal", "body", "color", "food", "music", "place", "sport", "tool", "vehicle",
                "weather"), lex.categoryNames());
        lex.categoryNames().forEach(c -> assertTrue(lex.words(c).size() >= 5, c));
        assertEquals(Optional.of("animal"), lex.categoryOf("dog"));
        assertEquals(Optional.of("color"), lex.categoryOf("orange"));
        assertTrue(lex.isPositive("happy") && lex.isNegative("sad"));
        assertTrue(lex.isFiller("the") && lex.categoryOf("the").isEmpty());
        // "saw" is a tool in tool tasks and a verb elsewhere: both.
        assertEquals(Optional.of("tool"), lex.categoryOf("saw"));
        assertTrue(lex.isFiller("saw"));
        assertFalse(lex.pureFillers().contains("saw"));
        assertEquals(10, lex.positive().size());
        assertEquals(10, lex.negative().size());
        assertTrue(lex.labels().containsAll(List.of("alpha", "yes", "no")));
    }

    @Test
    void everyTrainingExampleObeysItsRuleAndEveryWordIsKnown() {
        Lexicon lex = TestData.lexicon();
        FamilyRules rules = new FamilyRules(lex);
        try (TaskRoot root = TaskRoot.open(TestData.tasksZip())) {
            for (String section : List.of("train", "dev")) {
                for (TaskSpec spec : TaskSpecs.read(root.resolve("specs.json"), section)) {
                    List<TaskExample> examples = section.equals("train")
                            ? TestData.trainTasks().get(spec.name())
                            : TaskLoader.loadTest(root.resolve("dev"), spec.name());
                    for (TaskExample e : examples) {
                        Set<String> allowed = rules.allowedLabels(spec, e.input());
                        assertTrue(allowed.contains(e.output()), spec + ": " + e);
                        for (String w : e.input().split(" ")) {
                            assertTrue(lex.allWords().contains(w), "unclassified word " + w);
                        }
                    }
                }
            }
        }
    }

    @Test
    void derivationRefusesDataItCannotExplain() {
        List<TaskSpec> specs = new ArrayList<>();
        Map<String, List<TaskExample>> data = new HashMap<>();
        try (TaskRoot root = TaskRoot.open(TestData.tasksZip())) {
            for (TaskSpec s : TaskSpecs.read(root.resolve("specs.json"), "train")) {
                specs.add(s);
                data.put(s.name(), new ArrayList<>(TestData.trainTasks().get(s.name())));
            }
        }
        // Flip the label of one sentiment example: the majority rule no longer explains the data.
        TaskSpec sentiment = specs.stream().filter(s -> s.family() == Family.SENTIMENT).findFirst().orElseThrow();
        List<TaskExample> list = data.get(sentiment.name());
        TaskExample e = list.get(0);
        String other = e.options().stream().filter(o -> !o.equals(e.output())).findFirst().orElseThrow();
        list.set(0, new TaskExample(e.task(), e.input(), other, e.options()));
        TaskDataException ex = assertThrows(TaskDataException.class, () -> LexiconDeriver.derive(specs, data));
        assertTrue(ex.getMessage().contains("lexicon inconsistent: 1 training examples"), ex.getMessage());
    }
}
