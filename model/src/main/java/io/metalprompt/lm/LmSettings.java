package io.metalprompt.lm;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import java.util.Locale;

/**
 * Where and in which precision the model runs.
 *
 * <p>{@code device}: {@code "cpu"} or {@code "gpu"} (first GPU). {@code dtype}: {@code "fp32"},
 * {@code "fp16"} or {@code "bf16"}. Half precisions are only accepted on GPU: on CPU the PyTorch
 * half kernels are slow or missing for several ops used here, and the reference numbers are fp32,
 * so asking for them on CPU fails fast with a message instead of running slowly or inexactly.
 * Logits are always returned as fp32.
 */
public record LmSettings(String device, String dtype) {

    public LmSettings {
        device = device == null ? "cpu" : device.toLowerCase(Locale.ROOT);
        dtype = dtype == null ? "fp32" : dtype.toLowerCase(Locale.ROOT);
        if (!device.equals("cpu") && !device.equals("gpu")) {
            throw new IllegalArgumentException("device must be \"cpu\" or \"gpu\", got \"" + device + "\"");
        }
        if (!dtype.equals("fp32") && !dtype.equals("fp16") && !dtype.equals("bf16")) {
            throw new IllegalArgumentException("dtype must be \"fp32\", \"fp16\" or \"bf16\", got \"" + dtype + "\"");
        }
        if (device.equals("cpu") && !dtype.equals("fp32")) {
            throw new IllegalArgumentException("dtype " + dtype + " is not supported on cpu (PyTorch CPU half-precision "
                    + "kernels are slow or missing for LayerNorm/softmax/matmul paths used here); use fp32 on cpu, "
                    + "or device gpu for fp16/bf16");
        }
    }

    /** fp32 on CPU: the default, and what the reference fixtures are checked with. */
    public static LmSettings cpu() {
        return new LmSettings("cpu", "fp32");
    }

    public Device djlDevice() {
        return device.equals("gpu") ? Device.gpu() : Device.cpu();
    }

    public DataType dataType() {
        return switch (dtype) {
            case "fp16" -> DataType.FLOAT16;
            case "bf16" -> DataType.BFLOAT16;
            default -> DataType.FLOAT32;
        };
    }
}
