package io.metalprompt.bench;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A Zipf law over ranks {@code 0..n-1}: rank r is drawn with probability proportional to {@code 1 / (r + 1)^s}
 * (s = 1: the second most popular item is asked for half as often as the first, the tenth a tenth as often; s = 0:
 * uniform). Draws come from a seeded generator, so a run's request sequence can be repeated.
 */
final class Zipf {

    private final double[] cdf;
    private final double exponent;

    Zipf(int n, double exponent) {
        if (n < 1) {
            throw new IllegalArgumentException("a Zipf law needs at least one rank, not " + n);
        }
        if (exponent < 0 || Double.isNaN(exponent)) {
            throw new IllegalArgumentException("the Zipf exponent must be >= 0, not " + exponent);
        }
        this.exponent = exponent;
        cdf = new double[n];
        double sum = 0;
        for (int r = 0; r < n; r++) {
            sum += weight(r);
            cdf[r] = sum;
        }
        for (int r = 0; r < n; r++) {
            cdf[r] /= sum;
        }
        cdf[n - 1] = 1.0;
    }

    int n() {
        return cdf.length;
    }

    double exponent() {
        return exponent;
    }

    /** The probability of rank {@code r} (0 = the most popular). */
    double probability(int r) {
        return r == 0 ? cdf[0] : cdf[r] - cdf[r - 1];
    }

    /**
     * The share of draws that fall on the {@code m} most popular ranks: the hit rate of a cache that holds exactly those
     * {@code m} items (the best any cache of m items can do when popularity does not change).
     */
    double topShare(int m) {
        return m <= 0 ? 0 : cdf[Math.min(m, cdf.length) - 1];
    }

    /** One rank drawn from {@code random}. */
    int sample(SplittableRandom random) {
        int at = Arrays.binarySearch(cdf, random.nextDouble());
        return Math.min(cdf.length - 1, at >= 0 ? at + 1 : -at - 1);
    }

    /** {@code count} ranks drawn from a generator seeded with {@code seed}. */
    int[] sample(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = sample(random);
        }
        return out;
    }

    private double weight(int r) {
        return 1.0 / Math.pow(r + 1, exponent);
    }
}
