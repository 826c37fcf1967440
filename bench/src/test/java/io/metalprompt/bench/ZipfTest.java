package io.metalprompt.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ZipfTest {

    @Test
    void probabilitiesFollowOneOverRank() {
        Zipf z = new Zipf(4, 1.0);
        double h = 1 + 1 / 2.0 + 1 / 3.0 + 1 / 4.0;
        for (int r = 0; r < 4; r++) {
            assertEquals(1 / (r + 1.0) / h, z.probability(r), 1e-12);
        }
        assertEquals((1 + 1 / 2.0) / h, z.topShare(2), 1e-12);
        assertEquals(0, z.topShare(0));
        assertEquals(1.0, z.topShare(10), 1e-12);
    }

    @Test
    void exponentZeroIsUniform() {
        Zipf z = new Zipf(5, 0.0);
        for (int r = 0; r < 5; r++) {
            assertEquals(0.2, z.probability(r), 1e-12);
        }
    }

    @Test
    void drawsMatchTheLaw() {
        Zipf z = new Zipf(10, 1.0);
        int n = 200_000;
        int[] counts = new int[10];
        for (int r : z.sample(n, 7)) {
            counts[r]++;
        }
        // chi-square with 9 degrees of freedom: above 27.9 one time in 1,000 for a correct sampler (fixed seed)
        double chi2 = 0;
        for (int r = 0; r < 10; r++) {
            double expected = n * z.probability(r);
            chi2 += (counts[r] - expected) * (counts[r] - expected) / expected;
        }
        assertTrue(chi2 < 27.9, "chi-square " + chi2);
        assertTrue(counts[0] > 2 * counts[9] * 4, "rank 1 is asked for about 10x as often as rank 10");
    }

    @Test
    void aSeedRepeatsItsDrawsAndEveryDrawIsARank() {
        Zipf z = new Zipf(1000, 1.2);
        int[] a = z.sample(5000, 42);
        assertArrayEquals(a, z.sample(5000, 42));
        for (int r : a) {
            assertTrue(r >= 0 && r < 1000, "rank " + r);
        }
        assertTrue(java.util.Arrays.stream(a).distinct().count() > 100, "a long tail is drawn too");
    }

    @Test
    void refusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new Zipf(0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> new Zipf(10, -0.5));
    }
}
