package io.metalprompt.promptgen;

import java.util.Collection;

import jakarta.inject.Singleton;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.arc.Unremovable;
import io.quarkus.arc.lookup.LookupIfProperty;

/**
 * Tracing without a collector, the default: spans are still made and their context still travels (the
 * {@code traceparent} header of HTTP calls and Kafka records), but they go nowhere until an OTLP collector is
 * named with {@code quarkus.otel.exporter.otlp.traces.endpoint} (or {@code quarkus.otel.exporter.otlp.endpoint}).
 * Then this bean is not looked up, and Quarkus installs its OTLP exporter, which it does only while no other
 * {@link SpanExporter} bean is resolvable. See docs/observability.md.
 */
@Singleton
@Unremovable
@LookupIfProperty(name = "quarkus.otel.exporter.otlp.traces.endpoint", stringValue = "none", lookupIfMissing = true)
@LookupIfProperty(name = "quarkus.otel.exporter.otlp.endpoint", stringValue = "none", lookupIfMissing = true)
public class NoCollectorSpanExporter implements SpanExporter {

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
