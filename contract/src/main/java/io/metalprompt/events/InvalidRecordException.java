package io.metalprompt.events;

/** A record that cannot be processed as it is (bad JSON, unknown schema version, a missing field): it goes to the dead-letter topic. */
public class InvalidRecordException extends RuntimeException {
    public InvalidRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
