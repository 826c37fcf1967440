package io.metalprompt.prompt;

/**
 * How a {@link PromptArtifact} stores its tensors (PREFIX keys/values, WEIGHTED_SUM and HIDDEN_STATE embeddings;
 * DISCRETE prompts have none). Recorded in the artifact's metadata as {@code "encoding"}; an artifact without the
 * field (every one written before it existed) is F32. Whatever the encoding, a loaded prompt is float32 values,
 * put in the LM's dtype where it enters the model ({@link PromptConditioner#prefix}).
 *
 * <ul>
 *   <li>{@link #F32}: 4 bytes per value, exact.</li>
 *   <li>{@link #F16}: IEEE half precision, 2 bytes per value; relative error at most 2^-11 (exact for values a half
 *       represents); values beyond +-65504 or not finite are refused.</li>
 *   <li>{@link #INT8}: per row (the last dimension's vector, e.g. one position of one head's keys) one F32 scale
 *       {@code s = max|x| / 127} and int8 values {@code round(x / s)}, symmetric; 1 byte per value plus 4 per row,
 *       error at most {@code s / 2} per value.</li>
 * </ul>
 */
public enum PromptEncoding {
    F32, F16, INT8;

    /**
     * What the prompt-generator stores ({@code metal.prompts.encoding}) and {@code metal eval} evaluates unless told
     * otherwise: the smallest encoding that cost at most 0.005 macro-F1 on the development tasks with the shipped
     * PGM ({@code docs/benchmarks.md}, "Compact prompts").
     */
    public static final String DEFAULT_NAME = "INT8";

    public static final PromptEncoding DEFAULT = valueOf(DEFAULT_NAME);
}
