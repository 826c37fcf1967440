package io.metalprompt.events;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The one format of a task id: what the gateway issues ({@code UUID.randomUUID().toString()}), a UUID in its canonical
 * lower-case form, e.g. {@code 3f2a9c1e-7b4d-4e2f-9a6b-0c1d2e3f4a5b}. Every key of the inference and registration
 * topics and every task key in Redis carries one, so a door that takes a task id from outside checks it here first:
 * anything else ({@code ":registration"} suffixes, wildcards, upper case, other lengths) never reaches a Redis key.
 */
public final class TaskIds {

    /** What a valid id looks like, for error messages. */
    public static final String FORMAT = "a lower-case UUID (8-4-4-4-12 hex digits, as the gateway issues)";

    private static final Pattern CANONICAL_UUID =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private TaskIds() {
    }

    /** A new task id (the gateway issues them; tests make them here). */
    public static String next() {
        return UUID.randomUUID().toString();
    }

    /** Whether {@code id} is a task id of the issued format. */
    public static boolean isValid(String id) {
        return id != null && id.length() == 36 && CANONICAL_UUID.matcher(id).matches();
    }
}
