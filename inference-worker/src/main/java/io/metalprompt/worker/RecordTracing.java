package io.metalprompt.worker;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import io.metalprompt.service.kafka.KafkaSpans;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * Trace context across the worker's Kafka records (the loop uses plain clients, so this is what the connector did):
 * a request record's {@code traceparent} is the parent of a consumer span, under which the request is served; every
 * record written gets a producer span under the context it was made in, and a {@code traceparent} header naming that
 * span (replacing one copied from the request, as a dead letter's headers are). Span names and attributes follow
 * OpenTelemetry's messaging conventions.
 */
public final class RecordTracing {

    private final Tracer tracer;
    private final TextMapPropagator propagator;

    public RecordTracing(Tracer tracer, TextMapPropagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    /** {@code record} as the batch handler reads it, with the context of its consumer span. */
    BatchHandler.Incoming received(ConsumerRecord<byte[], byte[]> record) {
        return new BatchHandler.Incoming(record.topic(), record.partition(), record.offset(), record.timestamp(),
                record.key(), record.value(), record.headers(), KafkaSpans.received(tracer, propagator, record));
    }

    /** The producer record of {@code out}, its {@code traceparent} naming the producer span made for it. */
    ProducerRecord<byte[], byte[]> toRecord(BatchHandler.Outgoing out) {
        Headers headers = new RecordHeaders(out.headers());
        KafkaSpans.published(tracer, propagator, out.topic(), out.trace(), headers);
        return new ProducerRecord<>(out.topic(), out.partition(), null, out.key(), out.value(), headers);
    }
}
