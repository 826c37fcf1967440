package io.metalprompt.worker;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/**
 * Reads a request's reply headers ({@code REPLY_TOPIC}, {@code REPLY_PARTITION}, {@code REPLY_CORRELATION_ID};
 * docs/architecture.md) and decides where its reply goes, or why it cannot have one: a topic not in the allow-list
 * ({@code metal.replies.allowed-topics}), a topic that does not exist or this worker may not write to, a partition the
 * topic does not have, a header that is not what the contract says. Nothing here waits on the producer: the
 * broker's view of a topic comes from {@link ReplyTopics}.
 */
public final class ReplyRouter {

    /** The longest {@code REPLY_CORRELATION_ID} copied back (the gateway sends a 36-byte UUID). */
    static final int MAX_CORRELATION_BYTES = 1024;
    /** Room a reply record needs besides its value and headers: key, the record and batch framing. */
    static final int RECORD_OVERHEAD_BYTES = 512;

    /** A route, or the reason there is none. */
    public sealed interface Decision permits Routed, Refused {
    }

    public record Routed(ReplyRoute route) implements Decision {
    }

    public record Refused(String reason) implements Decision {
    }

    private final Set<String> allowed;
    private final String defaultTopic;
    private final ReplyTopics topics;
    private final int maxBytes;

    /**
     * {@code allowed}: the topics replies may go to; {@code defaultTopic}: where a request without {@code REPLY_TOPIC}
     * is answered (must be allowed); {@code maxBytes}: the most a reply's value may have ({@code metal.replies.max-bytes}).
     */
    public ReplyRouter(List<String> allowed, String defaultTopic, ReplyTopics topics, int maxBytes) {
        this.allowed = Set.copyOf(allowed);
        this.defaultTopic = defaultTopic;
        this.topics = topics;
        this.maxBytes = maxBytes;
    }

    public Decision route(Headers headers) {
        Header topicHeader = headers.lastHeader(KafkaRequestReply.DEFAULT_REPLY_TOPIC_HEADER);
        String topic;
        if (topicHeader == null) {
            topic = defaultTopic;
        } else {
            topic = utf8(topicHeader.value());
            if (topic == null) {
                return new Refused("the REPLY_TOPIC header is not UTF-8 text");
            }
        }
        if (!allowed.contains(topic)) {
            return new Refused("reply topic " + Texts.quote(topic) + " is not one this worker answers on "
                    + "(metal.replies.allowed-topics: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
        }
        ReplyTopics.Info info = topics.info(topic);   // throws ReplyTopics.Unavailable: the batch is tried again
        if (!info.exists()) {
            return new Refused("reply topic " + Texts.quote(topic) + " does not exist");
        }
        if (!info.writable()) {
            return new Refused("this worker may not write to reply topic " + Texts.quote(topic) + " (no WRITE right)");
        }
        Integer partition = null;
        Header partitionHeader = headers.lastHeader(KafkaRequestReply.DEFAULT_REPLY_PARTITION_HEADER);
        if (partitionHeader != null) {
            byte[] bytes = partitionHeader.value();
            if (bytes == null || bytes.length != 4) {
                return new Refused("the REPLY_PARTITION header must be a 4-byte big-endian int, it has "
                        + (bytes == null ? 0 : bytes.length) + " bytes");
            }
            partition = ByteBuffer.wrap(bytes).getInt();
            if (partition < 0 || partition >= info.partitions()) {
                return new Refused("REPLY_PARTITION " + partition + " is not a partition of " + Texts.quote(topic)
                        + " (it has " + info.partitions() + ")");
            }
        }
        Header correlationHeader = headers.lastHeader(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER);
        byte[] correlation = correlationHeader == null ? null : correlationHeader.value();
        if (correlation != null && correlation.length > MAX_CORRELATION_BYTES) {
            return new Refused("the REPLY_CORRELATION_ID header has " + correlation.length + " bytes, more than the "
                    + MAX_CORRELATION_BYTES + " a reply carries back");
        }
        int limit = maxBytes;
        if (info.maxMessageBytes().isPresent()) {
            int correlationBytes = correlation == null ? 0 : correlation.length;
            limit = Math.min(limit, info.maxMessageBytes().getAsInt() - RECORD_OVERHEAD_BYTES - correlationBytes);
        }
        return new Routed(new ReplyRoute(topic, partition, correlation, Math.max(0, limit)));
    }

    /** {@code bytes} as UTF-8 text, or {@code null} when they are not valid UTF-8. */
    static String utf8(byte[] bytes) {
        if (bytes == null) {
            return "";
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
