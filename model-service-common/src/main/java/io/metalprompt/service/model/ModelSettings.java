package io.metalprompt.service.model;

import io.smallrye.config.WithDefault;

/**
 * The config group {@code metal.model} of the services that run the LM: which base LM, on which device, in which
 * precision ({@link ModelServiceConfig#model()}).
 */
public interface ModelSettings {

    /** The base LM folder (Hugging Face layout): the frozen target LM, whose weights every PGM shares. Env: {@code METAL_MODEL_BASE}. */
    @WithDefault("models/base-lm")
    String base();

    /** {@code cpu} or {@code gpu}. Env: {@code METAL_MODEL_DEVICE}. */
    @WithDefault("cpu")
    String device();

    /** {@code fp32}, or {@code fp16}/{@code bf16} on gpu. Env: {@code METAL_MODEL_DTYPE}. */
    @WithDefault("fp32")
    String dtype();
}
