package io.metalprompt.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class PaddingPlacementTest {

    private static final long T = 9;   // the terminator's id in these rows

    @Test
    void endPutsEveryRowAfterTheExamples() {
        assertArrayEquals(new int[] {6, 7, 8}, PaddingPlacement.END.slots(new long[] {1, 2, T, 3, 4, T}, 3, T));
    }

    @Test
    void interleavedPutsOneRowAfterEachExampleWhenKEqualsM() {
        // a b ; [0] c d ; [1] e ; [2]
        assertArrayEquals(new int[] {3, 7, 10}, PaddingPlacement.INTERLEAVED.slots(new long[] {1, 2, T, 3, 4, T, 5, T}, 3, T));
    }

    @Test
    void interleavedSpreadsSeveralRowsPerExampleWhenKExceedsM() {
        // a ; [0 1] b ; [2 3]
        assertArrayEquals(new int[] {2, 3, 6, 7}, PaddingPlacement.INTERLEAVED.slots(new long[] {1, T, 2, T}, 4, T));
    }

    @Test
    void interleavedSharesRowsBetweenExamplesWhenMExceedsK() {
        // four examples, two rows: after the second and the fourth example
        assertArrayEquals(new int[] {4, 9}, PaddingPlacement.INTERLEAVED.slots(new long[] {1, T, 2, T, 3, T, 4, T}, 2, T));
    }

    @Test
    void interleavedWithoutExamplesPutsEveryRowAtTheEnd() {
        assertArrayEquals(new int[] {0, 1}, PaddingPlacement.INTERLEAVED.slots(new long[0], 2, T));
        assertArrayEquals(new int[] {2, 3}, PaddingPlacement.INTERLEAVED.slots(new long[] {1, 2}, 2, T));
    }
}
