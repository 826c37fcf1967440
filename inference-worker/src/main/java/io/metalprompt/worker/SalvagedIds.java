package io.metalprompt.worker;

import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The request id and task id of a request record that does not decode as an {@code InferenceRequest}, so that its
 * requester can still be answered: {@code requestId} from the body when the body is JSON with that text field, else
 * the {@code REPLY_CORRELATION_ID} header (which the contract makes equal to it); {@code taskId} from the body, else
 * the record key (every request is keyed by its task id). Empty when either is missing, blank or longer than
 * {@link #MAX_CHARS}: a reply must carry both.
 */
public record SalvagedIds(String requestId, String taskId) {

    /** The longest id echoed back in a reply. */
    static final int MAX_CHARS = 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    public static Optional<SalvagedIds> from(byte[] key, byte[] value, byte[] correlationId) {
        JsonNode body = null;
        if (value != null) {
            try {
                body = JSON.readTree(value);
            } catch (java.io.IOException | RuntimeException notJson) {
                body = null;
            }
        }
        String requestId = firstUsable(text(body, "requestId"), ReplyRouter.utf8(correlationId));
        String taskId = firstUsable(text(body, "taskId"), key == null ? null : ReplyRouter.utf8(key));
        return requestId == null || taskId == null ? Optional.empty() : Optional.of(new SalvagedIds(requestId, taskId));
    }

    private static String text(JsonNode body, String field) {
        if (body == null || !body.isObject()) {
            return null;
        }
        JsonNode node = body.get(field);
        return node != null && node.isTextual() ? node.textValue() : null;
    }

    private static String firstUsable(String... candidates) {
        for (String c : candidates) {
            if (usable(c)) {
                return c;
            }
        }
        return null;
    }

    static boolean usable(String id) {
        return id != null && !id.isBlank() && id.length() <= MAX_CHARS;
    }
}
