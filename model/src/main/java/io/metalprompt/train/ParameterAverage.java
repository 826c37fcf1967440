package io.metalprompt.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.metalprompt.lm.Safetensors;

/**
 * An exponential moving average of the parameters (Polyak averaging): after each applied update
 * {@code avg = d * avg + (1 - d) * param}, with {@code d = min(decay, (1 + n) / (10 + n))} at the average's n-th
 * update, so its starting point is forgotten quickly. With a few episodes per step the parameters move by sampling
 * noise as much as by signal; the average keeps the signal. It lives in the checkpoint ({@value #FILE}) so a resumed
 * run averages exactly as an uninterrupted one.
 */
public final class ParameterAverage implements AutoCloseable {

    static final String FILE = "average.safetensors";
    private static final String UPDATES = "updates";

    private final NDManager manager;
    private final double decay;
    private final Map<String, NDArray> average = new LinkedHashMap<>();
    private long updates;

    /** An average that starts at the current values of {@code params}. */
    public ParameterAverage(Map<String, NDArray> params, double decay) {
        if (!(decay > 0 && decay < 1)) {
            throw new IllegalArgumentException("the average's decay must lie in (0, 1), got " + decay);
        }
        this.manager = NDManager.newBaseManager();
        this.decay = decay;
        params.forEach((name, p) -> {
            NDArray copy = p.duplicate();   // outside a GradientCollector: no graph is recorded
            copy.attach(manager);
            average.put(name, copy);
        });
    }

    /** The decay of the n-th update (1-based). */
    static double decayAt(long n, double decay) {
        return Math.min(decay, (1.0 + n) / (10.0 + n));
    }

    /** Restores the average a checkpoint holds; a checkpoint written without one keeps the starting values. */
    public void restore(Path checkpoint) {
        Path file = checkpoint.resolve(FILE);
        if (!Files.exists(file)) {
            return;
        }
        try (NDManager m = manager.newSubManager()) {
            Map<String, NDArray> saved = Safetensors.read(file, m);
            Params.copy(saved, average, "parameter average " + file);
            updates = (long) saved.get(UPDATES).toType(DataType.FLOAT64, false).toDoubleArray()[0];
        }
    }

    /** Moves the average towards the parameters just updated. */
    public void update(Map<String, NDArray> params) {
        updates++;
        float d = (float) decayAt(updates, decay);
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            try (NDArray step = e.getValue().mul(1 - d)) {
                average.get(e.getKey()).muli(d).addi(step);
            }
        }
    }

    /** Writes the average into a checkpoint folder. */
    public void writeTo(Path checkpoint) {
        Map<String, NDArray> all = new LinkedHashMap<>(average);
        try (NDArray n = manager.create(new long[] {updates})) {
            all.put(UPDATES, n);
            Safetensors.write(checkpoint.resolve(FILE), all);
        }
    }

    /** Overwrites the parameters (in place) with the average. */
    public void copyInto(Map<String, NDArray> params) {
        Params.copy(average, params, "parameter average");
    }

    @Override
    public void close() {
        manager.close();
    }
}
