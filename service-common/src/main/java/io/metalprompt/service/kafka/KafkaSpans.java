package io.metalprompt.service.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * The spans of records read and written by plain Kafka clients, as the SmallRye connector names its own
 * (OpenTelemetry's messaging conventions): {@code <topic> receive}, a child of the record's {@code traceparent}, and
 * {@code <topic> publish}, whose context goes into the written record's {@code traceparent}.
 */
public final class KafkaSpans {

    private KafkaSpans() {
    }

    /** Starts and ends {@code record}'s consumer span; the context to continue its trace in. */
    public static Context received(Tracer tracer, TextMapPropagator propagator, ConsumerRecord<?, ?> record) {
        Context parent = propagator.extract(Context.root(), record.headers(), TraceHeaders.GETTER);
        Span span = tracer.spanBuilder(record.topic() + " receive").setSpanKind(SpanKind.CONSUMER).setParent(parent)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.operation", "receive")
                .setAttribute("messaging.destination.name", record.topic())
                .setAttribute("messaging.destination.partition.id", String.valueOf(record.partition()))
                .setAttribute("messaging.kafka.message.offset", record.offset())
                .startSpan();
        span.end();
        return parent.with(span);
    }

    /**
     * Starts and ends the producer span of a record to {@code topic} under {@code parent}, and puts its context into
     * {@code headers} (replacing a {@code traceparent} they carry).
     */
    public static void published(Tracer tracer, TextMapPropagator propagator, String topic, Context parent,
                                 Headers headers) {
        Span span = tracer.spanBuilder(topic + " publish").setSpanKind(SpanKind.PRODUCER).setParent(parent)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.operation", "publish")
                .setAttribute("messaging.destination.name", topic)
                .startSpan();
        propagator.inject(parent.with(span), headers, TraceHeaders.SETTER);
        span.end();
    }
}
