package io.metalprompt.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.metalprompt.tasks.Family;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.tasks.TaskSpecs;
import io.metalprompt.tasks.TestData;

/** Episode draws with and without --kinds, on the shipped task tree (its specs.json names each real task's kind). */
class EpisodeSamplerTest {

    private static Map<String, Family> realKinds() {
        Map<String, Family> kinds = new HashMap<>();
        try (TaskRoot root = TaskRoot.open(TestData.tasksZip())) {
            TaskSpecs.read(root.resolve("specs.json"), "train").forEach(s -> kinds.put(s.name(), s.family()));
        }
        return kinds;
    }

    private static EpisodeSampler sampler(List<Family> kinds, double syntheticFraction) {
        MetaTrainerOptions o = MetaTrainerOptions.builder(Path.of("unused"), Path.of("unused")).optM(1, 3).optL(0, 1)
                .optEpisodes(1, 2).optSyntheticFraction(syntheticFraction).optRemapFraction(0.5).optKinds(kinds).build();
        return new EpisodeSampler(o, TestData.lexicon(), TestData.trainTasks(), realKinds());
    }

    @Test
    void kindsAreDrawnUniformlyAnExcludedKindNeverAppearsAndRealTasksKeepTheirShare() {
        Set<Family> kinds = EnumSet.copyOf(Family.trainable());
        kinds.remove(Family.TOPIC);   // an original kind: real tasks of it exist and must not be used
        Map<String, Family> realKinds = realKinds();
        Set<Family> withRealTasks = EnumSet.copyOf(realKinds.values());
        assertTrue(withRealTasks.contains(Family.TOPIC), "the tree has TOPIC tasks to leave out");
        EpisodeSampler s = sampler(List.copyOf(kinds), 0.5);
        Random rnd = new Random(5);
        Map<Family, Integer> seen = new EnumMap<>(Family.class);
        int real = 0;
        int ofKindsWithRealTasks = 0;
        int draws = 3000;
        for (int i = 0; i < draws; i++) {
            EpisodeSampler.Draw d = s.draw(rnd);
            assertNotNull(d.kind());
            if (d.real()) {
                real++;
                assertEquals(realKinds.get(d.task()), d.kind(), "a real task of the drawn kind: " + d.task());
            }
            if (withRealTasks.contains(d.kind())) {
                ofKindsWithRealTasks++;
            }
            assertEquals(d.m() + d.l() + 2, d.examples().size());
            seen.merge(d.kind(), 1, Integer::sum);
        }
        assertEquals(kinds, seen.keySet());
        double expected = (double) draws / kinds.size();
        seen.values().forEach(n -> assertEquals(expected, n, 0.15 * expected, seen.toString()));
        // half of the episodes whose kind has real tasks are real; the others never are
        assertEquals(0.5 * ofKindsWithRealTasks, real, 0.1 * ofKindsWithRealTasks);
    }

    @Test
    void withoutKindsRealTasksOfEveryKindAreUsed() {
        EpisodeSampler s = sampler(List.of(), 0.0);
        Random rnd = new Random(6);
        Set<Family> realSeen = EnumSet.noneOf(Family.class);
        Map<String, Family> realKinds = realKinds();
        for (int i = 0; i < 400; i++) {
            EpisodeSampler.Draw d = s.draw(rnd);
            assertTrue(d.real(), "syntheticFraction 0: every episode is real");
            realSeen.add(realKinds.get(d.task()));
        }
        assertEquals(EnumSet.copyOf(realKinds.values()), realSeen);
    }
}
