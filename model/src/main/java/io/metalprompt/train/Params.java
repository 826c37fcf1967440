package io.metalprompt.train;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.metalprompt.lm.ModelLoadException;
import io.metalprompt.lm.Safetensors;

/** Loading saved values into live parameter arrays (in place, so optimizers and blocks keep their references). */
public final class Params {

    private Params() {
    }

    /** Reads {@code file} and copies every tensor of {@code into} from it; names and shapes must match exactly. */
    public static void load(Path file, Map<String, NDArray> into, String what) {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> saved = Safetensors.read(file, m, into::containsKey);
            copy(saved, into, what + " from " + file);
        }
    }

    /** Copies {@code from} into {@code into} by name; fails on a missing name or a shape mismatch. */
    public static void copy(Map<String, NDArray> from, Map<String, NDArray> into, String what) {
        for (Map.Entry<String, NDArray> e : into.entrySet()) {
            NDArray src = from.get(e.getKey());
            if (src == null) {
                throw new ModelLoadException(what + ": tensor " + e.getKey() + " is missing");
            }
            NDArray dst = e.getValue();
            if (!src.getShape().equals(dst.getShape())) {
                throw new ModelLoadException(what + ": tensor " + e.getKey() + " has shape " + src.getShape()
                        + ", expected " + dst.getShape());
            }
            boolean grad = dst.hasGradient();
            dst.setRequiresGradient(false);   // in-place writes into a leaf that records gradients are refused
            dst.set(FloatBuffer.wrap(src.toFloatArray()));
            if (grad) {
                dst.setRequiresGradient(true);
            }
        }
    }

    /** Turns gradient recording on or off for every array. */
    public static void setTrainable(Map<String, NDArray> params, boolean trainable) {
        params.values().forEach(p -> p.setRequiresGradient(trainable));
    }
}
