package io.metalprompt.gateway;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The task ids the gateway issues: a random UUID in its canonical lower-case form. An id in a request path is checked
 * against that form before any store or topic sees it, so a path such as {@code <id>:registration} can never name
 * another Redis key; anything else is simply a task that does not exist (404).
 */
public final class TaskIds {

    private static final Pattern ISSUED = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private TaskIds() {
    }

    /** A new task id. */
    public static String next() {
        return UUID.randomUUID().toString();
    }

    /** True when {@code id} has the form of an id this gateway issues. */
    public static boolean isWellFormed(String id) {
        return id != null && ISSUED.matcher(id).matches();
    }
}
