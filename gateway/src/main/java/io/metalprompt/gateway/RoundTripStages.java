package io.metalprompt.gateway;

import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Where a prediction's Kafka round trip goes, as the gateway sees it (issue 18: find where the served path's time
 * goes), one timer per stage of {@value #NAME}:
 * <ul>
 *   <li>{@code produce}: from the send to the broker's acknowledgement of the request record;</li>
 *   <li>{@code worker}: from that acknowledgement to the result record's timestamp, which the worker's producer sets
 *       when it writes the result inside its transaction (the broker hop to the worker, its wait, batching and
 *       scoring; the worker's own timers split it further);</li>
 *   <li>{@code delivery}: from that timestamp to this gateway's consumer handing the result over (the worker's
 *       transaction commit, the fetch, the consumer thread);</li>
 *   <li>{@code resume}: from that hand-over to the waiting request thread running again.</li>
 * </ul>
 * The first three are wall-clock differences between processes, so across machines they carry the clocks' offset;
 * a reply that overtakes the acknowledgement records no {@code produce} or {@code worker}.
 */
@ApplicationScoped
public class RoundTripStages {

    static final String NAME = "metal.gateway.inference.stage";

    private final Timer produce;
    private final Timer worker;
    private final Timer delivery;
    private final Timer resume;

    @Inject
    public RoundTripStages(MeterRegistry registry) {
        this.produce = timer(registry, "produce");
        this.worker = timer(registry, "worker");
        this.delivery = timer(registry, "delivery");
        this.resume = timer(registry, "resume");
    }

    private static Timer timer(MeterRegistry registry, String stage) {
        return Timer.builder(NAME).description("A stage of a prediction's Kafka round trip (RoundTripStages)")
                .tag("stage", stage).register(registry);
    }

    /**
     * One round trip: sent at {@code sentMillis}, acknowledged at {@code ackedMillis} (0: not yet when the reply came),
     * the reply, and when the request thread ran again ({@link System#nanoTime()}).
     */
    public void record(long sentMillis, long ackedMillis, PendingReplies.Reply reply, long resumedNanos) {
        if (ackedMillis > 0) {
            produce.record(Math.max(0, ackedMillis - sentMillis), TimeUnit.MILLISECONDS);
            worker.record(Math.max(0, reply.writtenMillis() - ackedMillis), TimeUnit.MILLISECONDS);
        }
        delivery.record(Math.max(0, reply.receivedMillis() - reply.writtenMillis()), TimeUnit.MILLISECONDS);
        resume.record(Math.max(0, resumedNanos - reply.receivedNanos()), TimeUnit.NANOSECONDS);
    }
}
