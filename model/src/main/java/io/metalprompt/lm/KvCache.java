package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

import java.util.List;

/**
 * Per-layer attention keys and values of positions already seen, as the model caches them.
 *
 * <p>{@code keys.get(l)}, {@code values.get(l)}: {@code [B, kvHeads, P, headDim]} (Llama keys after RoPE);
 * {@code mask}: {@code [B, P]}, 1 for a real position, 0 for padding, so rows may carry prefixes of
 * different lengths (pad the P axis anywhere and mask it). A row's next position is its mask sum.
 */
public record KvCache(List<NDArray> keys, List<NDArray> values, NDArray mask) implements AutoCloseable {

    public KvCache {
        keys = List.copyOf(keys);
        values = List.copyOf(values);
        if (keys.isEmpty() || keys.size() != values.size()) {
            throw new IllegalArgumentException("need one key and one value per layer, got " + keys.size() + " keys and "
                    + values.size() + " values");
        }
        if (mask == null || mask.getShape().dimension() != 2 || mask.getShape().get(1) != keys.get(0).getShape().get(2)) {
            throw new IllegalArgumentException("mask must be [B, P] with P = " + keys.get(0).getShape().get(2));
        }
    }

    public int layers() {
        return keys.size();
    }

    public long batchSize() {
        return mask.getShape().get(0);
    }

    /** Cached slots P (including padded ones). */
    public long length() {
        return mask.getShape().get(1);
    }

    /** The same cache with every row repeated {@code n} times (row r becomes rows r*n .. r*n+n-1). */
    public KvCache repeatRows(long n) {
        return new KvCache(keys.stream().map(k -> k.repeat(0, n)).toList(),
                values.stream().map(v -> v.repeat(0, n)).toList(), mask.repeat(0, n));
    }

    /** Every row's positions followed by {@code next}'s (the same layers and rows): {@code P} the sum. */
    public KvCache then(KvCache next) {
        List<NDArray> k = new java.util.ArrayList<>();
        List<NDArray> v = new java.util.ArrayList<>();
        for (int l = 0; l < layers(); l++) {
            k.add(keys.get(l).concat(next.keys.get(l), 2));                     // [B,K,P+P',hd]
            v.add(values.get(l).concat(next.values.get(l), 2));
        }
        return new KvCache(k, v, mask.concat(next.mask, 1));
    }

    /** The last {@code n} positions of every row ({@code 0 < n <= P}). */
    public KvCache lastPositions(long n) {
        String tail = ":, :, " + (length() - n) + ":";                           // positions are axis 2
        return new KvCache(keys.stream().map(x -> x.get(tail)).toList(), values.stream().map(x -> x.get(tail)).toList(),
                mask.get(":, " + (length() - n) + ":"));
    }

    /** All arrays, e.g. for {@code NDScope.unregister}. */
    public NDList toNDList() {
        NDList all = new NDList();
        all.addAll(keys);
        all.addAll(values);
        all.add(mask);
        return all;
    }

    @Override
    public void close() {
        keys.forEach(NDArray::close);
        values.forEach(NDArray::close);
        mask.close();
    }
}
