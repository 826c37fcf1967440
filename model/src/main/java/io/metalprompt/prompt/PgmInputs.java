package io.metalprompt.prompt;

import java.util.List;

/**
 * Where everything stands in one batched PGM pass, as index arrays (no NDArrays). Each of the B rows is
 * {@code [lead ; left padding ; XP tokens with the k padding rows placed per the layout]}, {@code len} slots; the
 * model's positions are the running sum of the mask, so the masked gap is invisible to it.
 *
 * @param t      the longest XP, in tokens
 * @param len    slots per row: {@code lead + t + k}
 * @param ids    {@code [B,T]} XP token ids, left-padded (pads 0)
 * @param mask   {@code [B,len]} 1 for a real slot (the lead, XP tokens, padding rows), 0 for left padding
 * @param source {@code [B,T+k]} per slot after the lead: its row in {@code [XP embeddings (T) ; padding rows (k)]}
 * @param slots  {@code [B,k]} per padding row: its slot in the row of {@code len} inputs
 */
record PgmInputs(int b, int t, int len, long[] ids, long[] mask, long[] source, long[] slots) {

    /** {@code lead}: slots in front of each row that hold a previous prompt's rows. */
    static PgmInputs arrange(List<long[]> xp, int k, PaddingLayout layout, int lead) {
        int b = xp.size();
        int t = xp.stream().mapToInt(r -> r.length).max().orElse(0);
        int len = lead + t + k;
        long[] mask = new long[b * len];
        long[] ids = new long[b * t];
        long[] source = new long[b * (t + k)];
        long[] slots = new long[b * k];
        for (int i = 0; i < b; i++) {
            long[] r = xp.get(i);
            int off = t - r.length;                                                          // left padding
            System.arraycopy(r, 0, ids, i * t + off, r.length);
            for (int j = 0; j < len; j++) {
                mask[i * len + j] = j < lead || j >= lead + off ? 1 : 0;
            }
            for (int j = 0; j < off; j++) {
                source[i * (t + k) + j] = j;                                                 // masked, any row
            }
            int[] padAt = layout.slots(r, k);                                                // within [XP ; k]
            int next = 0;                                                                    // next XP token
            for (int j = 0, row = 0; j < r.length + k; j++) {
                boolean isPad = row < k && padAt[row] == j;
                source[i * (t + k) + off + j] = isPad ? t + row : off + next;
                if (isPad) {
                    slots[i * k + row++] = lead + off + j;
                } else {
                    next++;
                }
            }
        }
        return new PgmInputs(b, t, len, ids, mask, source, slots);
    }
}
