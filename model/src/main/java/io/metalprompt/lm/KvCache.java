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
