package io.metalprompt.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/** Percentiles of measured times, and medians of cases timed in turn. */
final class Timing {

    private Timing() {
    }

    /** The {@code p} quantile of {@code sorted} (nearest rank). */
    static double percentile(double[] sorted, double p) {
        return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1))];
    }

    /**
     * Median wall time (ms) of each case, the cases run in turn so that load hits all alike, each run in its own
     * shuffled order (fixed seed) so that no case always follows the same one: a case that runs right after a large
     * one can pay for it (the allocator giving back and taking again the memory of 32 ICL contexts).
     */
    @SafeVarargs
    static double[] interleavedMedians(int runs, int warmup, Supplier<Object>... cases) {
        double[][] t = new double[cases.length][runs];
        List<Integer> order = new ArrayList<>(IntStream.range(0, cases.length).boxed().toList());
        Random random = new Random(42);
        for (int i = 0; i < warmup + runs; i++) {
            Collections.shuffle(order, random);
            for (int c : order) {
                long s = System.nanoTime();
                cases[c].get();
                if (i >= warmup) {
                    t[c][i - warmup] = (System.nanoTime() - s) / 1e6;
                }
            }
        }
        double[] med = new double[cases.length];
        for (int c = 0; c < cases.length; c++) {
            Arrays.sort(t[c]);
            med[c] = percentile(t[c], 0.5);
        }
        return med;
    }
}
