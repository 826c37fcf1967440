package io.metalprompt.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Base64;

import io.metalprompt.events.TaskIds;
import io.metalprompt.store.TaskIndex;

/**
 * The opaque {@code cursor} of {@code GET /v1/tasks}: the last task of the page before, as its place in the tenant's
 * index (registration time in epoch ms, task id), in base64url. A page goes on strictly after that place, so tasks
 * registered meanwhile (later) never appear on later pages and none is skipped or repeated.
 */
record TaskCursor(long millis, String taskId) {

    private static final String PREFIX = "t1.";

    static TaskCursor after(TaskIndex.IndexEntry entry) {
        return new TaskCursor(entry.registeredAtMillis(), entry.taskId());
    }

    String encode() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((PREFIX + millis + "." + taskId).getBytes(UTF_8));
    }

    /** The cursor a page gave; 400 for anything else. */
    static TaskCursor decode(String cursor) {
        try {
            String s = new String(Base64.getUrlDecoder().decode(cursor), UTF_8);
            if (s.startsWith(PREFIX)) {
                int dot = s.indexOf('.', PREFIX.length());
                long millis = Long.parseLong(s.substring(PREFIX.length(), dot));
                String id = s.substring(dot + 1);
                if (TaskIds.isValid(id)) {
                    return new TaskCursor(millis, id);
                }
            }
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            // below
        }
        throw ApiException.badRequest("cursor is not one this API gave; pass the nextCursor of the page before, "
                + "or leave it out for the first page");
    }
}
