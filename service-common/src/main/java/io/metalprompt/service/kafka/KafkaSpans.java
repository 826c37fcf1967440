package io.metalprompt.service.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * The consumer span of a record read by a plain Kafka consumer: {@code <topic> receive}, a child of the record's
 * {@code traceparent} (OpenTelemetry's messaging conventions, as the SmallRye connector names its own).
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
}
