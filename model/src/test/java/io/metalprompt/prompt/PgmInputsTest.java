package io.metalprompt.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The index arrays of one batched PGM pass, worked out by hand. */
class PgmInputsTest {

    @Test
    void rowsAreLeftPaddedBehindTheLeadWithEachGroupOfPaddingRowsAfterItsExample() {
        long end = 7;   // the terminator: two examples in row 0, one in row 1
        PgmInputs in = PgmInputs.arrange(List.of(new long[] {5, 9, end, 6, end}, new long[] {8, end}), 2,
                PaddingLayout.interleaved(end), 1);
        assertEquals(5, in.t());
        assertEquals(1 + 5 + 2, in.len());
        assertArrayEquals(new long[] {5, 9, end, 6, end, 0, 0, 0, 8, end}, in.ids());
        assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1, 1, /* row 1: lead, 3 pads, 2 tokens, 2 rows */
            1, 0, 0, 0, 1, 1, 1, 1}, in.mask());
        // [XP (5) ; rows (2)] -> row 0: 5 9 ; R0 6 ; R1, row 1: pad pad pad 8 ; R0 R1
        assertArrayEquals(new long[] {0, 1, 2, 5, 3, 4, 6, 0, 1, 2, 3, 4, 5, 6}, in.source());
        assertArrayEquals(new long[] {4, 7, 6, 7}, in.slots());
    }

    @Test
    void theEndLayoutPutsEveryRowAfterTheLastToken() {
        PgmInputs in = PgmInputs.arrange(List.of(new long[] {5, 7, 6, 7}), 3, PaddingLayout.end(), 0);
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6}, in.source());
        assertArrayEquals(new long[] {4, 5, 6}, in.slots());
    }
}
