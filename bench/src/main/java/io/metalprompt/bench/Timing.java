package io.metalprompt.bench;

import java.util.Arrays;
import java.util.function.Supplier;

/** Percentiles of measured times, and medians of cases timed in turn. */
final class Timing {

    private Timing() {
    }

    /** The {@code p} quantile of {@code sorted} (nearest rank). */
    static double percentile(double[] sorted, double p) {
        return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1))];
    }

    /** Median wall time (ms) of each case, the cases run in turn (a, b, c, a, b, c, ...) so that load hits all alike. */
    @SafeVarargs
    static double[] interleavedMedians(int runs, int warmup, Supplier<Object>... cases) {
        double[][] t = new double[cases.length][runs];
        for (int i = 0; i < warmup + runs; i++) {
            for (int c = 0; c < cases.length; c++) {
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
