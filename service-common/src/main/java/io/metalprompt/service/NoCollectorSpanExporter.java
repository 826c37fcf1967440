package io.metalprompt.service;

import java.util.Collection;

import jakarta.inject.Singleton;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.arc.Unremovable;
import io.quarkus.arc.lookup.LookupIfProperty;

/**
 * Tracing without a collector, the default: spans are still made and their context still travels (the
 * {@code traceparent} header of HTTP calls and Kafka records), but they go nowhere while the OTLP endpoint is
 * Quarkus' built-in default ({@value #DEFAULT_ENDPOINT}, where nothing listens here). Once an operator names a
 * collector with {@code quarkus.otel.exporter.otlp.traces.endpoint} (or {@code quarkus.otel.exporter.otlp.endpoint},
 * its fallback), this bean is no longer looked up, and Quarkus installs its OTLP exporter: it does so only while no
 * other {@link SpanExporter} bean is resolvable. See docs/observability.md.
 */
@Singleton
@Unremovable
@LookupIfProperty(name = "quarkus.otel.exporter.otlp.traces.endpoint", stringValue = NoCollectorSpanExporter.DEFAULT_ENDPOINT)
public class NoCollectorSpanExporter implements SpanExporter {

    /** Quarkus' default of {@code quarkus.otel.exporter.otlp.endpoint}, which the traces endpoint falls back to. */
    static final String DEFAULT_ENDPOINT = "http://localhost:4317/";

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}
