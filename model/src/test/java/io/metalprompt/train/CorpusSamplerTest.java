package io.metalprompt.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.metalprompt.tasks.Lexicon;
import io.metalprompt.tasks.Family;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.tasks.TaskSpecs;
import io.metalprompt.tasks.TestData;
import io.metalprompt.text.IclFormat;
import io.metalprompt.text.Tokenizers;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CorpusSamplerTest {

    private static HuggingFaceTokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizers.load(TestData.dataDir().resolve("tokenizer.json"));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private static CorpusSamplerBuilder sampler() {
        return CorpusSampler.builder(tokenizer, TestData.lexicon()).optRealTasks(TestData.trainTasks());
    }

    @Test
    void sequencesAreDemonstrationRunsThatFitAndMaskExactlyTheLabels() {
        CorpusSampler s = sampler().optMaxTokens(224).optRepeatProbability(0.3).optSeed(5).build();
        for (int i = 0; i < 200; i++) {
            CorpusSampler.Sequence seq = s.next();
            assertTrue(seq.ids().length <= 224, "too long: " + seq.ids().length);
            assertTrue(seq.ids().length > 224 - 30, "room left for another demonstration: " + seq.ids().length);
            assertEquals(seq.ids().length, seq.lossMask().length);
            // The ids are exactly the tokenizer's ids for the rendered demonstrations.
            String text = IclFormat.renderDemonstrations(seq.demonstrations());
            long[] expected = tokenizer.encode(text).getIds();
            assertArrayEquals(java.util.Arrays.stream(expected).mapToInt(Math::toIntExact).toArray(), seq.ids());
            // The mask is 1 exactly on the tokens of each output, between its input and ";".
            int pos = 0;
            for (TaskExample d : seq.demonstrations()) {
                int in = tokenizer.encode(d.input()).getIds().length;
                int out = tokenizer.encode(d.output()).getIds().length;
                for (int k = 0; k < in; k++) {
                    assertEquals(0f, seq.lossMask()[pos++]);
                }
                for (int k = 0; k < out; k++) {
                    assertEquals(1f, seq.lossMask()[pos++]);
                }
                assertEquals(4, seq.ids()[pos], "';' after the answer");
                assertEquals(0f, seq.lossMask()[pos++]);
            }
            assertEquals(seq.ids().length, pos);
            // One task per sequence, one label set.
            List<String> options = seq.demonstrations().get(0).options();
            for (TaskExample d : seq.demonstrations()) {
                assertEquals(options, d.options());
                assertTrue(options.contains(d.output()));
            }
        }
    }

    @Test
    void seedsReproduce() {
        CorpusSampler a = sampler().optSeed(42).build();
        CorpusSampler b = sampler().optSeed(42).build();
        CorpusSampler c = sampler().optSeed(43).build();
        for (int i = 0; i < 20; i++) {
            CorpusSampler.Sequence x = a.next();
            CorpusSampler.Sequence y = b.next();
            assertArrayEquals(x.ids(), y.ids());
            assertArrayEquals(x.lossMask(), y.lossMask());
            assertNotEquals(List.of(x.ids()), List.of(c.next().ids()));
        }
    }

    @Test
    void remappingChangesLabelWordsConsistentlyWithinASequence() {
        Map<String, List<TaskExample>> real = TestData.trainTasks();
        Map<String, String> originalLabel = new HashMap<>(); // input -> label, per task
        CorpusSampler s = sampler().optRealFraction(1).optRemapFraction(1).optRepeatProbability(0).optSeed(9)
                .build();
        int changed = 0;
        for (int i = 0; i < 50; i++) {
            CorpusSampler.Sequence seq = s.next();
            List<TaskExample> pool = real.get(seq.task());
            originalLabel.clear();
            pool.forEach(e -> originalLabel.put(e.input(), e.output()));
            Map<String, String> mapping = new HashMap<>();
            for (TaskExample d : seq.demonstrations()) {
                String before = originalLabel.get(d.input());
                String previous = mapping.putIfAbsent(before, d.output());
                assertTrue(previous == null || previous.equals(d.output()),
                        seq.task() + ": '" + before + "' mapped to both " + previous + " and " + d.output());
            }
            assertEquals(mapping.size(), new HashSet<>(mapping.values()).size(), "two labels merged: " + mapping);
            if (!mapping.keySet().equals(new HashSet<>(mapping.values()))
                    || mapping.entrySet().stream().anyMatch(e -> !e.getKey().equals(e.getValue()))) {
                changed++;
            }
            assertTrue(TestData.lexicon().labels().containsAll(seq.demonstrations().get(0).options()));
        }
        assertTrue(changed >= 45, "remapping left " + (50 - changed) + " of 50 sequences unchanged");
    }

    @Test
    void withoutRemappingRealTasksKeepTheirLabels() {
        CorpusSampler s = sampler().optRealFraction(1).optRemapFraction(0).optShuffleFraction(0).optSeed(2).build();
        for (int i = 0; i < 20; i++) {
            CorpusSampler.Sequence seq = s.next();
            Set<TaskExample> pool = new HashSet<>(TestData.trainTasks().get(seq.task()));
            seq.demonstrations().forEach(d -> assertTrue(pool.contains(d), d.toString()));
        }
    }

    @Test
    void repeatsMakeInputsRecur() {
        CorpusSampler none = sampler().optRealFraction(0).optRepeatProbability(0).optSeed(4).build();
        CorpusSampler many = sampler().optRealFraction(0).optRepeatProbability(0.5).optSeed(4).build();
        assertTrue(repeats(many) > 3 * Math.max(1, repeats(none)));
    }

    private static int repeats(CorpusSampler s) {
        int n = 0;
        for (int i = 0; i < 30; i++) {
            List<String> inputs = s.next().demonstrations().stream().map(TaskExample::input).toList();
            n += inputs.size() - new HashSet<>(inputs).size();
        }
        return n;
    }

    @Test
    void curriculumCapsTheNumberOfClasses() {
        CorpusSampler s = sampler().optMaxClasses(2).optSeed(8).build();
        Set<String> realSeen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            CorpusSampler.Sequence seq = s.next();
            assertEquals(2, seq.demonstrations().get(0).options().size());
            if (!seq.task().startsWith("syn_")) {
                realSeen.add(seq.task());
            }
        }
        assertFalse(realSeen.isEmpty(), "real two-class tasks should be drawn too");
    }

    @Test
    void batchesArePaddedWithThePadId() {
        CorpusSampler s = sampler().optMaxTokens(64).optSeed(3).build();
        CorpusSampler.Batch b = s.batch(8);
        assertEquals(8, b.ids().length);
        int width = b.ids()[0].length;
        assertTrue(width <= 64);
        CorpusSampler again = sampler().optMaxTokens(64).optSeed(3).build();
        boolean padded = false;
        for (int i = 0; i < 8; i++) {
            assertEquals(width, b.ids()[i].length);
            assertEquals(width, b.masks()[i].length);
            CorpusSampler.Sequence seq = again.next();
            for (int j = 0; j < width; j++) {
                if (j < seq.ids().length) {
                    assertEquals(seq.ids()[j], b.ids()[i][j]);
                    assertEquals(seq.lossMask()[j], b.masks()[i][j]);
                } else {
                    padded = true;
                    assertEquals(s.padId(), b.ids()[i][j]);
                    assertEquals(0f, b.masks()[i][j]);
                }
            }
        }
        assertEquals(0, s.padId());
        assertTrue(padded || width == 64);
    }

    @Test
    void badOptionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> sampler().optRealFraction(1.5));
        assertThrows(IllegalArgumentException.class, () -> sampler().optMinClasses(3).optMaxClasses(2).build());
        assertThrows(IllegalArgumentException.class, () -> sampler().optMaxTokens(4));
        assertThrows(IllegalArgumentException.class, () -> sampler().optRemapPool(List.of("a", "b")).build());
    }

    @Test
    void burstySequencesReuseAFewContentWordsPerCategory() {
        Lexicon lexicon = TestData.lexicon();
        CorpusSampler s = CorpusSampler.builder(tokenizer, lexicon).optRealFraction(0).optBurst(1.0, 2)
                .optRepeatProbability(0).optMaxTokens(224).optSeed(11).build();
        for (int i = 0; i < 50; i++) {
            java.util.Map<String, java.util.Set<String>> used = new java.util.HashMap<>();
            for (TaskExample e : s.next().demonstrations()) {
                for (String w : e.input().split(" ")) {
                    if (!lexicon.isFiller(w)) {
                        lexicon.categoryOf(w).ifPresent(c -> used.computeIfAbsent(c, k -> new java.util.HashSet<>()).add(w));
                    }
                }
            }
            used.forEach((c, words) -> assertTrue(words.size() <= 2, c + " used " + words));
        }
    }

    @Test
    void lookbackSequencesAreTriplesWhoseThirdTokenRepeatsTheFirst() {
        CorpusSampler s = sampler().optLookbackFraction(0.5).optMaxTokens(40).optSeed(3).build();
        int lookbacks = 0;
        for (int n = 0; n < 200; n++) {
            CorpusSampler.Sequence seq = s.next();
            if (!CorpusSampler.LOOKBACK.equals(seq.task())) {
                continue;
            }
            lookbacks++;
            assertTrue(seq.demonstrations().isEmpty());
            assertEquals(39, seq.ids().length);
            for (int j = 0; j < seq.ids().length; j++) {
                assertEquals(j % 3 == 2 ? 1f : 0f, seq.lossMask()[j], "mask at " + j);
                if (j % 3 == 2) {
                    assertEquals(seq.ids()[j - 2], seq.ids()[j]);
                }
            }
        }
        assertTrue(lookbacks > 70 && lookbacks < 130, "about half look-back sequences, got " + lookbacks);
        CorpusSampler.Batch batch = sampler().optLookbackFraction(1).optSeed(3).build().batch(3);
        assertArrayEquals(new boolean[] {true, true, true}, batch.lookback());
        CorpusSampler none = sampler().optSeed(3).build();
        for (int n = 0; n < 50; n++) {
            assertNotEquals(CorpusSampler.LOOKBACK, none.next().task());
        }
    }

    @Test
    void withKindsEveryKindIsDrawnEquallyAndAnExcludedKindNeverAppearsRealOrSynthetic() {
        Map<String, Family> families = new HashMap<>();
        try (TaskRoot root = TaskRoot.open(TestData.tasksZip())) {
            TaskSpecs.read(root.resolve("specs.json"), "train").forEach(t -> families.put(t.name(), t.family()));
        }
        Set<Family> kinds = java.util.EnumSet.copyOf(Family.trainable());
        kinds.remove(Family.FIRST);
        CorpusSampler s = sampler().optKinds(kinds, families).optRealFraction(0.5).optMaxTokens(64).optSeed(3).build();
        Map<Family, Integer> seen = new HashMap<>();
        int real = 0;
        for (int i = 0; i < 2400; i++) {
            String task = s.next().task();
            Family f;
            if (families.containsKey(task)) {
                f = families.get(task);
                real++;
            } else {
                f = Family.parse(task.substring(4, task.lastIndexOf('_')));
            }
            seen.merge(f, 1, Integer::sum);
        }
        assertEquals(kinds, seen.keySet());
        seen.values().forEach(n -> assertEquals(2400.0 / kinds.size(), n, 70, seen.toString()));
        // half of the sequences of the three original kinds left are real
        double expectedReal = 0.5 * 2400 * 3 / kinds.size();
        assertEquals(expectedReal, real, 60);
    }
}
