package io.metalprompt.prompt;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.metalprompt.lm.ModelLoadException;
import io.metalprompt.lm.Safetensors;
import io.metalprompt.prompt.PromptArtifact.Tensor;

/**
 * A prompt artifact's tensor section: float tensors to safetensors bytes in a {@link PromptEncoding} and back. F32
 * tensors are stored as "F32", F16 as "F16" (rounded to the nearest half, ties to even, as PyTorch casts), INT8 as
 * "I8" values plus an F32 tensor {@code <name>.scale} of the tensor's shape with a last dimension of 1 (one scale per
 * row). Plain Java on byte arrays ({@link Safetensors#toBytes}, {@link Safetensors#read(byte[], String)}): no engine,
 * no temporary file; the bytes are those the earlier engine-and-file path wrote (PromptTensorCodecTest).
 */
final class PromptTensorCodec {

    /** The name suffix of an INT8 tensor's row scales. */
    static final String SCALE = ".scale";
    private static final float F16_MAX = 65504f;
    private static final String SECTION = "a prompt artifact's tensor section";

    private PromptTensorCodec() {
    }

    /** The safetensors bytes of {@code tensors} in {@code encoding}, tensors in name order; empty for no tensors. */
    static byte[] encode(Map<String, Tensor> tensors, PromptEncoding encoding) {
        if (tensors.isEmpty()) {
            return new byte[0];
        }
        Map<String, Safetensors.Values> stored = new LinkedHashMap<>();
        new TreeMap<>(tensors).forEach((name, t) -> {
            switch (encoding) {
                case F32 -> stored.put(name, new Safetensors.Values(DataType.FLOAT32, t.shape(), t.data()));
                case F16 -> stored.put(name, new Safetensors.Values(DataType.FLOAT16, t.shape(), toHalf(name, t.data())));
                case INT8 -> {
                    Safetensors.Values[] qs = quantize(name, t);
                    stored.put(name, qs[0]);
                    stored.put(name + SCALE, qs[1]);
                }
            }
        });
        return Safetensors.toBytes(stored);
    }

    /** The float values {@code section} holds (INT8 rows times their scale), by name; scales are not listed. */
    static Map<String, Tensor> decode(byte[] section) {
        if (section.length == 0) {
            return Map.of();
        }
        Map<String, Safetensors.Values> read = Safetensors.read(section, SECTION);
        Map<String, Tensor> out = new LinkedHashMap<>();
        read.forEach((name, a) -> {
            if (name.endsWith(SCALE) && read.containsKey(name.substring(0, name.length() - SCALE.length()))) {
                return;
            }
            if (a.dataType() != DataType.INT8 && a.dataType() != DataType.FLOAT32) {
                throw new ModelLoadException("prompt tensor " + name + new Shape(a.shape()) + " is " + a.dataType()
                        + "; a prompt holds float or INT8 tensors");
            }
            out.put(name, new Tensor(a.shape(), a.dataType() == DataType.INT8
                    ? dequantize(name, a, read.get(name + SCALE)) : a.floats()));
        });
        return out;
    }

    private static short[] toHalf(String name, float[] data) {
        short[] half = new short[data.length];
        for (int i = 0; i < data.length; i++) {
            float v = data[i];
            if (!(Math.abs(v) <= F16_MAX)) {
                throw new IllegalArgumentException("prompt tensor " + name + " holds " + v
                        + ", beyond float16 (+-65504, finite); store this prompt as F32");
            }
            half[i] = Safetensors.floatToHalf(v);
        }
        return half;
    }

    /**
     * {int8 values, F32 scales [..., 1]} of {@code t}: per row (the last dimension) s = max|x| / 127 and
     * q = round(x / max(s, MIN_NORMAL)) (ties to even), clipped to +-127; float32 arithmetic throughout.
     */
    private static Safetensors.Values[] quantize(String name, Tensor t) {
        float[] x = t.data();
        for (float v : x) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("prompt tensor " + name + " holds " + v + "; INT8 needs finite values");
            }
        }
        long[] shape = t.shape();
        int row = shape.length == 0 ? 1 : (int) shape[shape.length - 1];
        int rows = row == 0 ? 0 : x.length / row;
        float[] scales = new float[rows];
        byte[] q = new byte[x.length];
        for (int r = 0; r < rows; r++) {
            float max = 0;
            for (int j = r * row; j < (r + 1) * row; j++) {
                max = Math.max(max, Math.abs(x[j]));
            }
            float s = max / 127f;
            scales[r] = s;
            float divisor = Math.max(s, Float.MIN_NORMAL);
            for (int j = r * row; j < (r + 1) * row; j++) {
                float v = (float) Math.rint(x[j] / divisor);
                q[j] = (byte) Math.max(-127f, Math.min(127f, v));
            }
        }
        long[] scaleShape = shape.length == 0 ? shape : Arrays.copyOf(shape, shape.length);
        if (scaleShape.length > 0) {
            scaleShape[scaleShape.length - 1] = 1;
        }
        return new Safetensors.Values[] {new Safetensors.Values(DataType.INT8, shape, q),
                new Safetensors.Values(DataType.FLOAT32, scaleShape, scales)};
    }

    private static float[] dequantize(String name, Safetensors.Values q, Safetensors.Values scale) {
        long[] dims = q.shape();
        long[] rowDims = dims.length == 0 ? new long[] {1} : Arrays.copyOf(dims, dims.length);
        rowDims[rowDims.length - 1] = 1;
        Shape rows = new Shape(rowDims);
        if (scale == null || !Arrays.equals(scale.shape(), rowDims) || scale.dataType() != DataType.FLOAT32) {
            throw new ModelLoadException("INT8 prompt tensor " + name + new Shape(dims) + " needs an F32 tensor " + name
                    + SCALE + rows + ", got " + (scale == null ? "none" : scale.dataType() + "" + new Shape(scale.shape())));
        }
        byte[] values = q.bytes();
        float[] s = scale.floats();
        int row = dims.length == 0 ? 1 : (int) dims[dims.length - 1];
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[i] * s[i / row];
        }
        return out;
    }
}
