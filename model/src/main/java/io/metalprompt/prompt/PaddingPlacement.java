package io.metalprompt.prompt;

/**
 * Where the PGM's k trainable padding rows sit among the XP tokens of its one forward pass.
 *
 * <p>{@link #END} is the paper's layout: {@code [XP ; k rows]}. {@link #INTERLEAVED} spreads the rows over the
 * examples, each group right after an example's terminator ({@code ;}): with m examples, example j (from 0) is
 * followed by {@code floor((j+1)k/m) - floor(jk/m)} rows, so all k rows are placed, in order, the last group after
 * the last example; with no examples all k rows stand at the end. A row then reads the example just before it
 * from its nearest positions, where the frozen LM's attention already looks, instead of every row having to pick
 * its share out of the whole XP.
 *
 * <p>Examples are found by their terminator token, so a {@code ;} token inside an example's own text counts as an
 * end too: the rows are then spread over more (shorter) pieces than there are examples, which still places every
 * row; only the grouping differs from what meta-training saw.
 */
public enum PaddingPlacement {
    END,
    INTERLEAVED;

    /**
     * The slots (indexes into the row of {@code xp.length + k} inputs) of padding rows 0..k-1, ascending;
     * every other slot holds the next XP token in order. {@code terminator}: the token id ending an example.
     */
    public int[] slots(long[] xp, int k, long terminator) {
        int[] slots = new int[k];
        int examples = 0;
        if (this == INTERLEAVED) {
            for (long id : xp) {
                if (id == terminator) {
                    examples++;
                }
            }
        }
        int slot = 0;
        int placed = 0;
        int seen = 0;
        for (long id : xp) {
            slot++;
            if (examples > 0 && id == terminator) {
                seen++;
                for (int upto = (int) ((long) seen * k / examples); placed < upto; placed++) {
                    slots[placed] = slot++;
                }
            }
        }
        for (; placed < k; placed++) {
            slots[placed] = slot++;
        }
        return slots;
    }
}
