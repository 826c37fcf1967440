package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringSerializer;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Topics;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerBuilder;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/**
 * The inference-worker's stand-in in the gateway's Kafka tests: answers every request of one task, following the
 * header contract of docs/architecture.md ("Request-reply headers") exactly as the worker must.
 */
final class TestReplier implements AutoCloseable {

    private final KafkaProducer<String, String> producer;
    private final ConsumerTask<String, String> consumer;

    private TestReplier(KafkaProducer<String, String> producer, ConsumerTask<String, String> consumer) {
        this.producer = producer;
        this.consumer = consumer;
    }

    /** Answers every request of {@code taskId} with {@code answer}'s result, addressed as {@link #reply} does. */
    static TestReplier answering(KafkaCompanion companion, String taskId, Function<InferenceRequest, InferenceResult> answer) {
        return start(companion, taskId, request -> reply(request, answer));
    }

    /** Sends, for every request of {@code taskId}, the record {@code replyTo} makes of it; up before it returns. */
    static TestReplier start(KafkaCompanion companion, String taskId,
                             Function<ConsumerRecord<String, String>, ProducerRecord<String, String>> replyTo) {
        KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", companion.getBootstrapServers()),
                new StringSerializer(), new StringSerializer());
        ConsumerBuilder<String, String> builder = companion.consumeStrings()
                .withGroupId("replier-" + UUID.randomUUID())
                .withOffsetReset(OffsetResetStrategy.EARLIEST);
        ConsumerTask<String, String> consumer = builder.fromTopics(Topics.INFERENCE_REQUESTS, m -> m
                .filter(r -> taskId.equals(r.key()))
                .invoke(request -> producer.send(replyTo.apply(request))));
        // Joining the group can take seconds on a loaded machine; a call sent before that would spend them out of
        // the gateway's 5 s test timeout (504), so the replier is up before any test calls.
        builder.waitForAssignment().await().atMost(Duration.ofSeconds(60));
        return new TestReplier(producer, consumer);
    }

    /** The reply the worker must write for {@code request}: where its headers say, correlation id copied. */
    static ProducerRecord<String, String> reply(ConsumerRecord<String, String> request,
                                                Function<InferenceRequest, InferenceResult> answer) {
        InferenceRequest body = EventCodec.decode(request.value(), InferenceRequest.class);
        Header correlation = request.headers().lastHeader(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER);
        Header topic = request.headers().lastHeader(KafkaRequestReply.DEFAULT_REPLY_TOPIC_HEADER);
        Header partition = request.headers().lastHeader(KafkaRequestReply.DEFAULT_REPLY_PARTITION_HEADER);
        assertNotNull(correlation, "REPLY_CORRELATION_ID header");
        assertNotNull(topic, "REPLY_TOPIC header");
        assertArrayEquals(body.requestId().getBytes(StandardCharsets.UTF_8), correlation.value(),
                "the correlation header is the body's requestId");
        Integer replyPartition = partition == null ? null : KafkaRequestReply.replyPartitionFromBytes(partition.value());
        ProducerRecord<String, String> reply = new ProducerRecord<>(new String(topic.value(), StandardCharsets.UTF_8),
                replyPartition, body.taskId(), EventCodec.encodeToString(answer.apply(body)));
        reply.headers().add(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER, correlation.value());
        return reply;
    }

    @Override
    public void close() {
        consumer.close();
        producer.close();
    }
}
