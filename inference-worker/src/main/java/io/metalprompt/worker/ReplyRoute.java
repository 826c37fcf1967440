package io.metalprompt.worker;

/**
 * Where one request's reply goes: a topic this worker may write to, a partition of it or {@code null} (placed by
 * key), and the request's {@code REPLY_CORRELATION_ID} bytes to copy back verbatim ({@code null} when it sent none).
 * {@code maxValueBytes} is the most the reply's value may have on that topic.
 */
public record ReplyRoute(String topic, Integer partition, byte[] correlationId, int maxValueBytes) {
}
