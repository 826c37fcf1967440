package io.metalprompt.promptgen;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.InvalidRecordException;
import io.metalprompt.events.TaskEvent;
import io.metalprompt.events.TaskRefineRequested;
import io.metalprompt.events.TaskRegistered;
import io.smallrye.reactive.messaging.annotations.Blocking;

/**
 * Thin messaging adapter of the background lane: its own consumer group on {@code metal.task-registrations}, one
 * record at a time on a worker thread of its own (so generation for other tasks never waits for it, and one gradient
 * collector at a time, as DJL needs), acting on {@link TaskRefineRequested} (the refiner) and on
 * {@link TaskRegistered} (version 1's quality report, {@link FirstReports}, made once the prompt is served). The
 * offset is committed after the method returns, i.e. after the refined version or the report is stored: a crash
 * reads the record again and redoes it (both are idempotent). What the generation group dead-letters is only logged
 * here.
 */
@ApplicationScoped
public class RefinementConsumer {

    private static final Logger LOG = Logger.getLogger(RefinementConsumer.class);

    @Inject
    Refiner refiner;

    @Inject
    FirstReports reports;

    private final StoreRetry retry = new StoreRetry(Duration.ofSeconds(60), Duration.ofMillis(250),
            pause -> Thread.sleep(pause.toMillis()));

    @Incoming(Channels.REFINEMENTS)
    @Blocking("refiner")
    public void onTaskEvent(String json) {
        TaskEvent event;
        try {
            event = EventCodec.decode(json, TaskEvent.class);
        } catch (InvalidRecordException e) {
            LOG.debugf("refiner skips a record it cannot read: %s", e.getMessage());
            return;
        }
        if (event instanceof TaskRegistered registered) {
            try {
                retry.call("reporting on task " + registered.taskId(), () -> reports.report(registered));
            } catch (io.lettuce.core.RedisException e) {
                throw e;   // Redis gone for a minute: not committed, read again
            } catch (RuntimeException e) {
                LOG.errorf(e, "task %s: its first version's quality report failed; it stays without one (a later "
                        + "version's gate scores it when it needs it)", registered.taskId());
            }
        }
        if (event instanceof TaskRefineRequested request) {
            try {
                retry.call("refining task " + request.taskId(), () -> {
                    refiner.refine(request);
                    return null;
                });
            } catch (io.lettuce.core.RedisException e) {
                throw e;   // Redis gone for a minute: not committed, read again
            } catch (RuntimeException e) {
                LOG.errorf(e, "refining task %s failed; its refinement is rejected", request.taskId());
                refiner.abandon(request);
            }
        }
    }
}
