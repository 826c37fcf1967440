package io.metalprompt.events;

/** The schema version every record of this package carries, and the checks their constructors share. */
public final class Events {

    /** Version 1: the first published schema. Readers reject records of a version they do not know. */
    public static final int SCHEMA_VERSION = 1;

    private Events() {
    }

    static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    static void requireId(String value, String field) {
        require(value != null && !value.isBlank(), field + " is required");
    }

    static void requireVersion(int schemaVersion) {
        require(schemaVersion == SCHEMA_VERSION,
                "unsupported schemaVersion " + schemaVersion + " (this reader knows " + SCHEMA_VERSION + ")");
    }
}
