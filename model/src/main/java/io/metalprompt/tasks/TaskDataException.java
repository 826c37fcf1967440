package io.metalprompt.tasks;

import java.nio.file.Path;

/** Task data that cannot be used: a missing or malformed file, or data that breaks a stated rule. */
public class TaskDataException extends RuntimeException {

    public TaskDataException(String message) {
        super(message);
    }

    public TaskDataException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A problem at a 1-based line of a file; the message reads {@code <file>:<line>: <problem>}. */
    public static TaskDataException at(Path file, int line, String problem) {
        return new TaskDataException(file + ":" + line + ": " + problem);
    }
}
