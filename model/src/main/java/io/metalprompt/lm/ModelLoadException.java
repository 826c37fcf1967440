package io.metalprompt.lm;

/**
 * A model folder, config or checkpoint could not be read. Unchecked, because callers (CLI, services)
 * can rarely recover; the message always says what to fix (which file, which tensor, which shape).
 */
public class ModelLoadException extends RuntimeException {
    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
