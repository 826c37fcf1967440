package io.metalprompt.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

class DeadLetterTest {

    private static Headers original() {
        Headers h = new RecordHeaders();
        h.add(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER, "r-1".getBytes(StandardCharsets.UTF_8));
        h.add(KafkaRequestReply.DEFAULT_REPLY_TOPIC_HEADER, "metal.x".getBytes(StandardCharsets.UTF_8));
        h.add(KafkaRequestReply.DEFAULT_REPLY_PARTITION_HEADER, KafkaRequestReply.replyPartitionToBytes(3));
        h.add("traceparent", "00-abc".getBytes(StandardCharsets.UTF_8));
        return h;
    }

    private static Map<String, String> text(DeadLetter d) {
        return d.headers().stream().collect(Collectors.toMap(Header::key,
                h -> new String(h.value(), StandardCharsets.UTF_8), (a, b) -> b));
    }

    @Test
    void keepsTheOriginalBytesAndHeadersAndSaysWhyAndWhence() {
        byte[] value = {(byte) 0xff, 0, 1, 'x'};
        DeadLetter d = DeadLetter.of("metal.inference-requests", 2, 41, "k".getBytes(StandardCharsets.UTF_8), value,
                original(), "no reply can be written", 1_000_000);
        assertArrayEquals(value, d.value(), "the original bytes, not a UTF-8 repair");
        Map<String, String> h = text(d);
        assertEquals("r-1", h.get(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER));
        assertEquals("metal.x", h.get(KafkaRequestReply.DEFAULT_REPLY_TOPIC_HEADER));
        assertNotNull(h.get(KafkaRequestReply.DEFAULT_REPLY_PARTITION_HEADER));
        assertEquals("00-abc", h.get("traceparent"));
        assertEquals("no reply can be written", h.get(DeadLetter.REASON));
        assertEquals("metal.inference-requests", h.get(DeadLetter.TOPIC));
        assertEquals("2", h.get(DeadLetter.PARTITION));
        assertEquals("41", h.get(DeadLetter.OFFSET));
        assertNull(h.get(DeadLetter.TRUNCATED));
    }

    @Test
    void neverExceedsItsLimitAndKeepsTheReplyHeadersLongest() {
        Headers big = original();
        for (int i = 0; i < 50; i++) {
            big.add("junk-" + i, new byte[1000]);
        }
        DeadLetter d = DeadLetter.of("t", 0, 0, null, new byte[200_000], big, "r".repeat(10_000), 20_000);
        long size = d.value().length + d.headers().stream().mapToLong(h -> h.key().length() + h.value().length + 10).sum()
                + DeadLetter.FRAMING_BYTES;
        assertTrue(size <= 20_000, "dead letter of " + size + " bytes");
        Map<String, String> h = text(d);
        assertEquals("r-1", h.get(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER));
        assertNull(h.get("junk-0"), "other headers go first");
        assertTrue(h.get(DeadLetter.TRUNCATED).endsWith("of 200000 bytes"), h.get(DeadLetter.TRUNCATED));
        assertTrue(h.get(DeadLetter.REASON).length() <= DeadLetter.MAX_REASON_CHARS + 3);
    }
}
