package io.metalprompt.testing;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.arc.Unremovable;

/**
 * The tests' trace collector: every span the service under test exports goes to an in-memory exporter as well
 * (inject this bean to read them).
 */
@Singleton
public class CollectedSpans {

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();

    /** The exporter Quarkus sends the spans to, beside the service's own. */
    @Produces
    @Singleton
    @Unremovable
    SpanExporter exporter() {
        return exporter;
    }

    /** Waits until a span matching {@code which} has been exported; fails after {@code timeout}. */
    public SpanData await(Predicate<SpanData> which, String what, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (SpanData s : exporter.getFinishedSpanItems()) {
                if (which.test(s)) {
                    return s;
                }
            }
            Thread.sleep(20);
        }
        List<SpanData> spans = exporter.getFinishedSpanItems();
        throw new AssertionError("no exported span " + what + " within " + timeout + "; exported: "
                + spans.stream().map(s -> s.getName() + " " + s.getKind() + " trace " + s.getTraceId()).toList());
    }
}
