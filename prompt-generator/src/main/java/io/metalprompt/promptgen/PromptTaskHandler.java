package io.metalprompt.promptgen;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.metalprompt.events.Events;
import io.metalprompt.events.PromptEvent;
import io.metalprompt.events.PromptFailed;
import io.metalprompt.events.PromptReady;
import io.metalprompt.events.TaskDeleted;
import io.metalprompt.events.TaskEvent;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * What the prompt-generator does with one record of {@code metal.task-registrations}, without a broker:
 * a registration becomes a stored prompt (or a failure with a reason), a deletion removes the task.
 * Idempotent: a redelivered registration whose prompt is already stored for the current PGM version is
 * answered with the same {@link PromptReady} and not generated again. Records how long generation takes, how
 * large the stored prompts are and what became of each record (docs/observability.md).
 */
public class PromptTaskHandler {

    private static final Logger LOG = Logger.getLogger(PromptTaskHandler.class);

    private final TaskStore store;
    private final PromptFactory factory;
    private final Clock clock;
    private final MeterRegistry registry;
    private final DistributionSummary artifactBytes;

    public PromptTaskHandler(TaskStore store, PromptFactory factory, Clock clock, MeterRegistry registry) {
        this.store = store;
        this.factory = factory;
        this.clock = clock;
        this.registry = registry;
        this.artifactBytes = DistributionSummary.builder("metal.promptgen.artifact").baseUnit("bytes")
                .description("Size of each stored prompt artifact").register(registry);
    }

    /** Counts what became of a record: {@code ready}, {@code failed}, {@code redelivered} or {@code deleted}. */
    private void count(String outcome) {
        Counter.builder("metal.promptgen.task.events").description("Task records handled, by what became of them")
                .tag("outcome", outcome).register(registry).increment();
    }

    /** Times one generation; {@code outcome} is {@code ready} or {@code failed}. */
    private void timeGeneration(String outcome, TaskRegistered task, long nanos) {
        Timer.builder("metal.promptgen.generation")
                .description("Generating one task's prompt with the PGM (one pass, or iterative for many examples)")
                .tag("design", task.design().name().toLowerCase(Locale.ROOT))
                .tag("outcome", outcome)
                .publishPercentileHistogram().register(registry).record(Duration.ofNanos(nanos));
    }

    /** The prompt event to publish, or empty (a deletion publishes nothing). */
    public Optional<PromptEvent> handle(TaskEvent event) {
        if (event instanceof TaskDeleted deleted) {
            store.delete(deleted.taskId());
            LOG.infof("task %s deleted", deleted.taskId());
            count("deleted");
            return Optional.empty();
        }
        TaskRegistered task = (TaskRegistered) event;
        String version = factory.pgmVersion(task.design());
        Optional<TaskRecord> known = store.find(task.taskId());
        if (known.isPresent() && known.get().ready() && version.equals(known.get().pgmVersion())
                && store.artifact(task.taskId(), version).isPresent()) {
            TaskRecord r = known.get();
            count("redelivered");
            return Optional.of(new PromptReady(Events.SCHEMA_VERSION, task.taskId(), task.tenant(), version,
                    r.design(), r.k(), r.promptText(), 0, clock.instant()));
        }
        if (known.isEmpty()) {
            store.register(task);   // published straight to Kafka, not through the gateway
        } else {
            store.saveRegistration(task);   // the worker reads the XL demonstrations from it
        }
        long t0 = System.nanoTime();
        PromptFactory.Result result;
        try {
            result = factory.generate(task);
        } catch (IllegalArgumentException e) {
            timeGeneration("failed", task, System.nanoTime() - t0);
            store.markFailed(task.taskId(), e.getMessage());
            count("failed");
            LOG.infof("task %s failed: %s", task.taskId(), e.getMessage());
            return Optional.of(new PromptFailed(Events.SCHEMA_VERSION, task.taskId(), task.tenant(), e.getMessage(),
                    clock.instant()));
        }
        long nanos = System.nanoTime() - t0;
        long millis = nanos / 1_000_000;
        timeGeneration("ready", task, nanos);
        store.storeReady(task.taskId(), version, result.k(), result.text(), result.artifact());
        artifactBytes.record(result.artifact().length);
        count("ready");
        LOG.infof("task %s ready: %s prompt of %d positions in %d ms (PGM %s)", task.taskId(), task.design(),
                result.k(), millis, version);
        return Optional.of(new PromptReady(Events.SCHEMA_VERSION, task.taskId(), task.tenant(), version, task.design(),
                result.k(), result.text(), millis, clock.instant()));
    }
}
