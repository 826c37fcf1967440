package io.metalprompt.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class TimingTest {

    @Test
    void everyCaseRunsOncePerRunAndNoneAlwaysFollowsTheSameOne() {
        List<Integer> calls = new ArrayList<>();
        double[] medians = Timing.interleavedMedians(30, 2, () -> calls.add(0), () -> calls.add(1), () -> calls.add(2));
        assertEquals(3, medians.length);
        assertEquals(96, calls.size());
        for (int run = 0; run < 32; run++) {
            assertEquals(Set.of(0, 1, 2), new HashSet<>(calls.subList(3 * run, 3 * run + 3)), "run " + run);
        }
        // what ran right before case 0, over the runs: in a fixed order it would always be the same case (the last
        // case of the previous run, or the one before it in the run)
        Set<Integer> before0 = new HashSet<>();
        for (int i = 1; i < calls.size(); i++) {
            if (calls.get(i) == 0) {
                before0.add(calls.get(i - 1));
            }
        }
        assertTrue(before0.containsAll(Set.of(1, 2)), "case 0 came after " + before0);
    }

    @Test
    void percentileIsTheNearestRank() {
        double[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5, Timing.percentile(sorted, 0.5));
        assertEquals(10, Timing.percentile(sorted, 0.99));
        assertEquals(1, Timing.percentile(sorted, 0.0));
    }
}
