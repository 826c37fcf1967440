package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/**
 * Token sequences of different lengths as one right-padded batch.
 *
 * @param ids     {@code [B, T]} int64, padded with {@code padId}
 * @param mask    {@code [B, T]} int64, 1 for a real token
 * @param lengths real tokens per row
 */
public record TokenBatch(NDArray ids, NDArray mask, int[] lengths) {

    /** Right-pads {@code rows} to the longest one (pad rows of length 0 are allowed). */
    public static TokenBatch of(NDManager manager, List<long[]> rows, long padId) {
        int b = rows.size();
        int t = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        if (b == 0 || t == 0) {
            throw new IllegalArgumentException("a token batch needs at least one row with one token");
        }
        long[] ids = new long[b * t];
        long[] mask = new long[b * t];
        int[] lengths = new int[b];
        for (int i = 0; i < b; i++) {
            long[] r = rows.get(i);
            lengths[i] = r.length;
            for (int j = 0; j < t; j++) {
                ids[i * t + j] = j < r.length ? r[j] : padId;
                mask[i * t + j] = j < r.length ? 1 : 0;
            }
        }
        return new TokenBatch(manager.create(ids, new Shape(b, t)), manager.create(mask, new Shape(b, t)), lengths);
    }
}
