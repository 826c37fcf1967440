package io.metalprompt.prompt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.metalprompt.lm.ModelLoadException;
import io.metalprompt.lm.Safetensors;
import io.metalprompt.prompt.PromptArtifact.Tensor;

/**
 * A prompt artifact's tensor section: float tensors to safetensors bytes in a {@link PromptEncoding} and back. F32
 * tensors are stored as "F32", F16 as "F16" (converted by the engine), INT8 as "I8" values plus an F32 tensor
 * {@code <name>.scale} of the tensor's shape with a last dimension of 1 (one scale per row).
 */
final class PromptTensorCodec {

    /** The name suffix of an INT8 tensor's row scales. */
    static final String SCALE = ".scale";
    private static final float F16_MAX = 65504f;

    private PromptTensorCodec() {
    }

    /** The safetensors bytes of {@code tensors} in {@code encoding}, tensors in name order; empty for no tensors. */
    static byte[] encode(Map<String, Tensor> tensors, PromptEncoding encoding) {
        if (tensors.isEmpty()) {
            return new byte[0];
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            new TreeMap<>(tensors).forEach((name, t) -> {
                NDArray x = m.create(t.data(), new Shape(t.shape()));
                switch (encoding) {
                    case F32 -> arrays.put(name, x);
                    case F16 -> arrays.put(name, toHalf(name, t.data(), x));
                    case INT8 -> {
                        NDArray[] qs = quantize(name, t.data(), x);
                        arrays.put(name, qs[0]);
                        arrays.put(name + SCALE, qs[1]);
                    }
                }
            });
            return viaFile(tmp -> {
                Safetensors.writeTyped(tmp, arrays);
                return Files.readAllBytes(tmp);
            });
        }
    }

    /** The float values {@code section} holds (INT8 rows times their scale), by name; scales are not listed. */
    static Map<String, Tensor> decode(byte[] section) {
        if (section.length == 0) {
            return Map.of();
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> read = viaFile(tmp -> {
                Files.write(tmp, section);
                return Safetensors.read(tmp, m);
            });
            Map<String, Tensor> out = new LinkedHashMap<>();
            read.forEach((name, a) -> {
                if (name.endsWith(SCALE) && read.containsKey(name.substring(0, name.length() - SCALE.length()))) {
                    return;
                }
                long[] shape = a.getShape().getShape();
                out.put(name, new Tensor(shape, a.getDataType() == DataType.INT8
                        ? dequantize(name, a, read.get(name + SCALE)) : a.toFloatArray()));
            });
            return out;
        }
    }

    private static NDArray toHalf(String name, float[] data, NDArray x) {
        for (float v : data) {
            if (!(Math.abs(v) <= F16_MAX)) {
                throw new IllegalArgumentException("prompt tensor " + name + " holds " + v
                        + ", beyond float16 (+-65504, finite); store this prompt as F32");
            }
        }
        return x.toType(DataType.FLOAT16, false);
    }

    /** {int8 values, F32 scales [..., 1]} of {@code x}: per row s = max|x| / 127, q = round(x / s). */
    private static NDArray[] quantize(String name, float[] data, NDArray x) {
        for (float v : data) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("prompt tensor " + name + " holds " + v + "; INT8 needs finite values");
            }
        }
        int last = x.getShape().dimension() - 1;
        NDArray scale = x.abs().max(new int[] {last}, true).div(127f);
        NDArray q = x.div(scale.maximum(Float.MIN_NORMAL)).round().clip(-127, 127).toType(DataType.INT8, false);
        return new NDArray[] {q, scale};
    }

    private static float[] dequantize(String name, NDArray q, NDArray scale) {
        Shape rows = q.getShape().slice(0, q.getShape().dimension() - 1).add(1);
        if (scale == null || !scale.getShape().equals(rows) || scale.getDataType() != DataType.FLOAT32) {
            throw new ModelLoadException("INT8 prompt tensor " + name + q.getShape() + " needs an F32 tensor " + name + SCALE
                    + rows + ", got " + (scale == null ? "none" : scale.getDataType() + "" + scale.getShape()));
        }
        byte[] values = q.toByteArray();
        float[] s = scale.toFloatArray();
        int row = (int) q.getShape().get(q.getShape().dimension() - 1);
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[i] * s[i / row];
        }
        return out;
    }

    private interface FileStep<T> {
        T apply(Path tmp) throws IOException;
    }

    // The project's safetensors reader and writer work on files (the reader maps them): a temporary file reuses their checks.
    private static <T> T viaFile(FileStep<T> step) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("prompt-", ".safetensors");
            return step.apply(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover temporary file is harmless
                }
            }
        }
    }
}
