package io.metalprompt.worker;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/**
 * The dead-letter record of a request the worker could not serve: the original key and value bytes, every original
 * header (so {@code REPLY_CORRELATION_ID}, {@code REPLY_TOPIC} and {@code REPLY_PARTITION} travel with it), and
 * {@code dead-letter-reason}, {@code dead-letter-topic}, {@code dead-letter-partition}, {@code dead-letter-offset}
 * (the names SmallRye's own dead-letter queue uses). It never exceeds {@code maxBytes}: past that the value is cut
 * (and {@code dead-letter-truncated} holds its original size), then the headers other than the reply headers are
 * left out, so a record too large to dead-letter cannot fail the batch that carries it.
 */
public record DeadLetter(byte[] key, byte[] value, List<Header> headers) {

    public static final String REASON = "dead-letter-reason";
    public static final String TOPIC = "dead-letter-topic";
    public static final String PARTITION = "dead-letter-partition";
    public static final String OFFSET = "dead-letter-offset";
    public static final String TRUNCATED = "dead-letter-truncated";

    /** The longest reason written. */
    static final int MAX_REASON_CHARS = 2000;
    /** Room for the record and batch framing besides key, value and headers. */
    static final int FRAMING_BYTES = 512;

    private static final List<String> REPLY_HEADERS = List.of(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER,
            KafkaRequestReply.DEFAULT_REPLY_TOPIC_HEADER, KafkaRequestReply.DEFAULT_REPLY_PARTITION_HEADER);

    public static DeadLetter of(String topic, int partition, long offset, byte[] key, byte[] value, Headers original,
                                String reason, int maxBytes) {
        List<Header> ours = new ArrayList<>(List.of(
                header(REASON, Texts.cut(reason, MAX_REASON_CHARS)),
                header(TOPIC, topic),
                header(PARTITION, Integer.toString(partition)),
                header(OFFSET, Long.toString(offset))));
        List<Header> kept = new ArrayList<>();
        for (Header h : original) {
            kept.add(new RecordHeader(h.key(), h.value()));
        }
        byte[] k = key;
        if (k != null && k.length > 1024) {
            k = Arrays.copyOf(k, 1024);
        }
        long fixed = FRAMING_BYTES + (k == null ? 0 : k.length) + size(ours) + 128;   // 128: the truncation header
        if (fixed + size(kept) > maxBytes) {
            kept.removeIf(h -> !REPLY_HEADERS.contains(h.key()));
        }
        if (fixed + size(kept) > maxBytes) {
            kept.clear();
        }
        byte[] v = value;
        long room = maxBytes - fixed - size(kept);
        if (v != null && v.length > room) {
            ours.add(header(TRUNCATED, "value cut to " + Math.max(0, room) + " of " + v.length + " bytes"));
            v = Arrays.copyOf(v, (int) Math.max(0, room));
        }
        kept.addAll(ours);
        return new DeadLetter(k, v, List.copyOf(kept));
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static long size(List<Header> headers) {
        long n = 0;
        for (Header h : headers) {
            n += h.key().getBytes(StandardCharsets.UTF_8).length + (h.value() == null ? 0 : h.value().length) + 10;
        }
        return n;
    }
}
