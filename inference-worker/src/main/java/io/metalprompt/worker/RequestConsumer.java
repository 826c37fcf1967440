package io.metalprompt.worker;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.InvalidRecordException;
import io.metalprompt.events.Topics;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;
import io.smallrye.reactive.messaging.kafka.transactions.TransactionalEmitter;

/**
 * Thin messaging adapter: a batch of request records in, one result record per request out. A result goes to
 * the topic and partition named by the request's {@code REPLY_TOPIC} / {@code REPLY_PARTITION} headers (the
 * requesting gateway's reply partition), else to {@code metal.inference-results} keyed by task id, and carries
 * the request's {@code REPLY_CORRELATION_ID} header back. A batch's results and its consumed offsets are written
 * in one Kafka transaction: a worker killed mid-batch leaves an open transaction that the broker aborts, and the
 * worker that takes over the partition answers the batch again, so a {@code read_committed} reader sees exactly
 * one result per request. A failed transaction is aborted and the batch is read again from the committed offsets.
 * A record that cannot be decoded goes to {@code metal.inference-requests.dlq} with the reason in a header (sent
 * before the transaction commits, so at least once).
 *
 * <p>Tracing: the connector starts each record's consumer span from its {@code traceparent} header, but a batch has
 * no current trace, so each request gets its own {@value #SERVE_SPAN} span under its record's, and its reply is
 * sent under that span: one request is followed gateway &rarr; worker &rarr; reply.
 */
@ApplicationScoped
public class RequestConsumer {

    private static final Logger LOG = Logger.getLogger(RequestConsumer.class);
    static final String DLQ_REASON_HEADER = "dead-letter-reason";
    static final String SERVE_SPAN = "serve inference-request";

    @Inject
    InferenceEngine engine;

    @Inject
    ServingMetrics metrics;

    @Inject
    Tracer tracer;

    @Inject
    @Channel(Channels.INFERENCE_RESULTS)
    KafkaTransactions<String> results;

    @Inject
    @Channel(Channels.REQUESTS_DLQ)
    Emitter<String> deadLetters;

    @Incoming(Channels.INFERENCE_REQUESTS)
    @Blocking
    public Uni<Void> onBatch(KafkaRecordBatch<String, String> batch) {
        return results.withTransactionAndAck(batch, tx -> {
            List<InferenceRequest> requests = new ArrayList<>();
            List<KafkaRecord<String, String>> sources = new ArrayList<>();
            List<CompletableFuture<Void>> dead = new ArrayList<>();
            for (KafkaRecord<String, String> record : batch) {
                try {
                    requests.add(EventCodec.decode(record.getPayload(), InferenceRequest.class));
                    sources.add(record);
                } catch (InvalidRecordException e) {
                    LOG.warnf("request record (topic %s, partition %d, key %s) to the dead-letter topic: %s",
                            record.getTopic(), record.getPartition(), record.getKey(), e.getMessage());
                    dead.add(send(deadLetters, record.getPayload() == null ? "" : record.getPayload(),
                            OutgoingKafkaRecordMetadata.<String>builder().withKey(record.getKey())
                                    .withHeaders(List.of(new RecordHeader(DLQ_REASON_HEADER,
                                            e.getMessage().getBytes(StandardCharsets.UTF_8)))).build()));
                }
            }
            if (!requests.isEmpty()) {
                serve(requests, sources, tx);
            }
            // the transaction commits (results and offsets) only after the dead letters are acknowledged
            return Uni.createFrom().completionStage(CompletableFuture.allOf(dead.toArray(new CompletableFuture[0])));
        });
    }

    /** Serves the decoded requests as one batch and sends one reply each in {@code tx}, every request in its own span. */
    private void serve(List<InferenceRequest> requests, List<KafkaRecord<String, String>> sources,
                       TransactionalEmitter<String> tx) {
        long now = System.currentTimeMillis();
        List<Context> traces = new ArrayList<>();
        List<Span> spans = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            KafkaRecord<String, String> record = sources.get(i);
            metrics.waited(record.getTimestamp().toEpochMilli(), now);
            Context parent = TracingMetadata.fromMessage(record).map(TracingMetadata::getCurrentContext)
                    .orElse(Context.root());
            Span span = tracer.spanBuilder(SERVE_SPAN).setParent(parent)
                    .setAttribute("metal.task_id", requests.get(i).taskId())
                    .setAttribute("metal.request_id", requests.get(i).requestId())
                    .setAttribute("metal.inputs", requests.get(i).inputs().size())
                    .setAttribute("metal.batch.requests", requests.size())
                    .startSpan();
            spans.add(span);
            traces.add(parent.with(span));
        }
        long t0 = System.nanoTime();
        List<InferenceResult> answers;
        try {
            answers = engine.serve(requests);
        } catch (RuntimeException e) {
            spans.forEach(span -> span.recordException(e).setStatus(StatusCode.ERROR).end());
            throw e;
        }
        metrics.served(requests, answers, System.nanoTime() - t0);
        for (int i = 0; i < answers.size(); i++) {
            InferenceResult answer = answers.get(i);
            Span span = spans.get(i).setAttribute("metal.status", answer.status().name());
            if (answer.status() == InferenceResult.Status.FAILED) {
                span.setStatus(StatusCode.ERROR, answer.error());
            }
            span.end();
            // the reply's producer span, and so its traceparent header, continue this request's trace
            tx.send(Message.of(EventCodec.encodeToString(answer))
                    .addMetadata(replyMetadata(sources.get(i), answer))
                    .addMetadata(TracingMetadata.withCurrent(traces.get(i))));
        }
    }

    /** Where the reply goes and what it carries back, from the request's reply headers. */
    static OutgoingKafkaRecordMetadata<String> replyMetadata(KafkaRecord<String, String> request, InferenceResult result) {
        Headers headers = request.getHeaders();
        OutgoingKafkaRecordMetadata.OutgoingKafkaRecordMetadataBuilder<String> b = OutgoingKafkaRecordMetadata
                .<String>builder().withKey(result.taskId());
        Header topic = headers.lastHeader(KafkaRequestReply.DEFAULT_REPLY_TOPIC_HEADER);
        b.withTopic(topic != null ? new String(topic.value(), StandardCharsets.UTF_8) : Topics.INFERENCE_RESULTS);
        Header partition = headers.lastHeader(KafkaRequestReply.DEFAULT_REPLY_PARTITION_HEADER);
        if (partition != null) {
            b.withPartition(KafkaRequestReply.replyPartitionFromBytes(partition.value()));
        }
        Header correlation = headers.lastHeader(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER);
        if (correlation != null) {
            b.withHeaders(List.of(new RecordHeader(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER,
                    correlation.value())));
        }
        return b.build();
    }

    /** Sends {@code payload} with {@code metadata}; completes when the broker acknowledges it. */
    private static CompletableFuture<Void> send(Emitter<String> emitter, String payload,
                                                OutgoingKafkaRecordMetadata<String> metadata) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        emitter.send(Message.of(payload).addMetadata(metadata)
                .withAck(() -> {
                    done.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(e -> {
                    done.completeExceptionally(e);
                    return CompletableFuture.completedFuture(null);
                }));
        return done;
    }
}
