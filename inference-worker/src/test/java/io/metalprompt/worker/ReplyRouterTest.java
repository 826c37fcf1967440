package io.metalprompt.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import io.metalprompt.events.Topics;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/** Reply routes from request headers, without a broker: the broker's view of the topics is a map. */
class ReplyRouterTest {

    private static final String OTHER = "metal.other-results";
    private final List<String> described = new ArrayList<>();
    private final Map<String, ReplyTopics.Info> broker = Map.of(
            Topics.INFERENCE_RESULTS, new ReplyTopics.Info(true, 6, true, OptionalInt.of(1_048_588)),
            OTHER, new ReplyTopics.Info(true, 2, false, OptionalInt.empty()));
    private final ReplyRouter router = new ReplyRouter(List.of(Topics.INFERENCE_RESULTS, OTHER, "metal.gone"),
            Topics.INFERENCE_RESULTS, new ReplyTopics(topic -> {
                described.add(topic);
                return broker.getOrDefault(topic, ReplyTopics.Info.missing());
            }, Duration.ofSeconds(30), System::nanoTime), 1_000_000);

    private static Headers headers(String topic, byte[] partition, String correlation) {
        Headers h = new RecordHeaders();
        if (topic != null) {
            h.add(KafkaRequestReply.DEFAULT_REPLY_TOPIC_HEADER, topic.getBytes(StandardCharsets.UTF_8));
        }
        if (partition != null) {
            h.add(KafkaRequestReply.DEFAULT_REPLY_PARTITION_HEADER, partition);
        }
        if (correlation != null) {
            h.add(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER, correlation.getBytes(StandardCharsets.UTF_8));
        }
        return h;
    }

    private ReplyRoute routed(Headers h) {
        return assertInstanceOf(ReplyRouter.Routed.class, router.route(h)).route();
    }

    private String refused(Headers h) {
        return assertInstanceOf(ReplyRouter.Refused.class, router.route(h)).reason();
    }

    @Test
    void theGatewaysHeadersRouteToTheResultsTopicWithTheCorrelationIdAndNoPartition() {
        ReplyRoute route = routed(headers(Topics.INFERENCE_RESULTS, null, "r-1"));
        assertEquals(Topics.INFERENCE_RESULTS, route.topic());
        assertNull(route.partition());
        assertArrayEquals("r-1".getBytes(StandardCharsets.UTF_8), route.correlationId());
        assertEquals(1_000_000, route.maxValueBytes(), "metal.replies.max-bytes, below the topic's max.message.bytes");
    }

    @Test
    void noReplyTopicMeansTheResultsTopicAndAValidPartitionIsKept() {
        ReplyRoute route = routed(headers(null, KafkaRequestReply.replyPartitionToBytes(5), null));
        assertEquals(Topics.INFERENCE_RESULTS, route.topic());
        assertEquals(5, route.partition());
        assertNull(route.correlationId());
    }

    @Test
    void aTopicOutsideTheAllowListIsRefusedWithoutAskingTheBroker() {
        String reason = refused(headers("metal.does-not-exist", null, "r-1"));
        assertTrue(reason.contains("'metal.does-not-exist' is not one this worker answers on"), reason);
        assertTrue(reason.contains("metal.replies.allowed-topics"), reason);
        assertTrue(described.isEmpty(), "only allowed topics are described: " + described);
        assertTrue(refused(headers(Topics.INFERENCE_REQUESTS, null, "r")).contains("not one this worker answers on"),
                "the request topic itself (a loop) is not a reply topic");
    }

    @Test
    void anAllowedTopicTheBrokerDoesNotHaveOrWillNotLetUsWriteIsRefused() {
        assertTrue(refused(headers("metal.gone", null, "r")).contains("'metal.gone' does not exist"));
        assertTrue(refused(headers(OTHER, null, "r")).contains("may not write"));
    }

    @Test
    void partitionsMustBeFourBytesAndOfTheTopic() {
        assertTrue(refused(headers(null, new byte[] {1}, "r")).contains("4-byte"));
        assertTrue(refused(headers(null, new byte[0], "r")).contains("4-byte"));
        assertTrue(refused(headers(null, KafkaRequestReply.replyPartitionToBytes(6), "r")).contains("is not a partition"));
        assertTrue(refused(headers(null, KafkaRequestReply.replyPartitionToBytes(-1), "r")).contains("is not a partition"));
        assertEquals(0, routed(headers(null, KafkaRequestReply.replyPartitionToBytes(0), "r")).partition());
    }

    @Test
    void headersThatAreNotTextOrTooLongAreRefused() {
        Headers h = new RecordHeaders();
        h.add(KafkaRequestReply.DEFAULT_REPLY_TOPIC_HEADER, new byte[] {(byte) 0xC3, (byte) 0x28});
        assertTrue(refused(h).contains("not UTF-8"));
        assertTrue(refused(headers(null, null, "x".repeat(ReplyRouter.MAX_CORRELATION_BYTES + 1)))
                .contains("REPLY_CORRELATION_ID"));
    }

    @Test
    void theBrokerIsAskedOncePerTopicAndTimeToLive() {
        for (int i = 0; i < 5; i++) {
            routed(headers(Topics.INFERENCE_RESULTS, null, "r"));
            refused(headers("metal.gone", null, "r"));
        }
        assertEquals(List.of(Topics.INFERENCE_RESULTS, "metal.gone"), described);
    }

    @Test
    void aBrokerThatDoesNotAnswerIsNoAnswer() {
        ReplyRouter silent = new ReplyRouter(List.of(Topics.INFERENCE_RESULTS), Topics.INFERENCE_RESULTS,
                new ReplyTopics(topic -> {
                    throw new ReplyTopics.Unavailable("no broker", null);
                }, Duration.ofSeconds(30), System::nanoTime), 1_000_000);
        assertThrows(ReplyTopics.Unavailable.class, () -> silent.route(headers(null, null, "r")),
                "not a refusal: the batch is tried again, nothing is dead-lettered");
    }

    @Test
    void aSmallTopicLimitLowersTheReplyLimit() {
        ReplyRouter small = new ReplyRouter(List.of(Topics.INFERENCE_RESULTS), Topics.INFERENCE_RESULTS,
                new ReplyTopics(topic -> new ReplyTopics.Info(true, 1, true, OptionalInt.of(10_000)),
                        Duration.ofSeconds(30), System::nanoTime), 1_000_000);
        ReplyRoute route = assertInstanceOf(ReplyRouter.Routed.class, small.route(headers(null, null, "abc"))).route();
        assertEquals(10_000 - ReplyRouter.RECORD_OVERHEAD_BYTES - 3, route.maxValueBytes());
    }
}
