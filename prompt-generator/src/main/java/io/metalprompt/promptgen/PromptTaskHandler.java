package io.metalprompt.promptgen;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.jboss.logging.Logger;

import io.metalprompt.events.Events;
import io.metalprompt.events.PromptEvent;
import io.metalprompt.events.PromptFailed;
import io.metalprompt.events.PromptReady;
import io.metalprompt.events.TaskDeleted;
import io.metalprompt.events.TaskEvent;
import io.metalprompt.events.TaskExamplesAdded;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.store.ExampleStore;
import io.metalprompt.store.PromptVersion;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;
import io.metalprompt.store.UsageStore;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What the prompt-generator does with one record of {@code metal.task-registrations}, without a broker:
 * a registration becomes a stored prompt (or a failure with a reason), a deletion removes the task.
 * Idempotent: a redelivered registration whose prompt is already stored for the current PGM version is
 * answered with the same {@link PromptReady} and not generated again. Records how long generation takes, how
 * large the stored prompts are and what became of each record (docs/observability.md).
 *
 * <p>Before and after generating it brings the PGMs up to the published version ({@code models}): a version
 * published while a prompt was being made may have had its rollout pass this task while it was still pending,
 * so a prompt that turns out to be of a replaced version is made again with the new one at once.
 */
public class PromptTaskHandler {

    private static final Logger LOG = Logger.getLogger(PromptTaskHandler.class);

    private final TaskStore store;
    private final TaskPrompts prompts;
    private final PromptFactory factory;
    private final Runnable models;
    private final Clock clock;
    private final MeterRegistry registry;
    private final PromptGenMetrics metrics;
    private final NextVersions nextVersions;
    private final UsageStore usage;
    private final VersionGate gate;

    /** {@code models} loads the published PGM version if this replica does not serve it yet (a no-op when it does). */
    public PromptTaskHandler(TaskStore store, TaskPrompts prompts, ExampleStore examples, PromptFactory factory,
                             Runnable models, Clock clock, MeterRegistry registry) {
        this(store, prompts, examples, factory, models, clock, registry, null);
    }

    /** {@code usage}: where each prompt generated for a tenant is counted (null: not counted). */
    public PromptTaskHandler(TaskStore store, TaskPrompts prompts, ExampleStore examples, PromptFactory factory,
                             Runnable models, Clock clock, MeterRegistry registry, UsageStore usage) {
        this(store, prompts, examples, factory, models, clock, registry, usage, null);
    }

    /** {@code quality}: scores each version on the task's validation examples (null: no reports, no gate). */
    public PromptTaskHandler(TaskStore store, TaskPrompts prompts, ExampleStore examples, PromptFactory factory,
                             Runnable models, Clock clock, MeterRegistry registry, UsageStore usage,
                             QualityScorer quality) {
        this.gate = new VersionGate(prompts, examples, quality);
        this.usage = usage;
        this.store = store;
        this.prompts = prompts;
        this.factory = factory;
        this.models = models;
        this.clock = clock;
        this.registry = registry;
        this.metrics = new PromptGenMetrics(registry, usage, clock);
        this.nextVersions = new NextVersions(store, prompts, examples, factory, models, clock, gate, metrics);
    }

    /**
     * The prompt event to publish for each record of a batch, in order (empty: nothing to publish). A run of
     * registrations of distinct tasks is generated together ({@link PromptFactory#generateAll}: batched PGM passes);
     * everything else is handled alone and in order, so a task's deletion is never overtaken by its registration.
     */
    public List<Optional<PromptEvent>> handleAll(List<TaskEvent> events) {
        return handleAll(events, i -> () -> { });
    }

    /**
     * Makes record {@code i}'s context current until closed (the adapter's: its trace, so that what is logged and
     * measured for the record, exemplars among it, names the record's trace).
     */
    public interface RecordContext {
        Scope enter(int index);

        interface Scope extends AutoCloseable {
            @Override
            void close();
        }
    }

    /** As {@link #handleAll(List)}, each record's own work done in its {@code context}. */
    public List<Optional<PromptEvent>> handleAll(List<TaskEvent> events, RecordContext context) {
        List<Optional<PromptEvent>> out = new ArrayList<>();
        int i = 0;
        while (i < events.size()) {
            List<TaskRegistered> run = new ArrayList<>();
            Set<String> ids = new HashSet<>();
            while (i + run.size() < events.size() && events.get(i + run.size()) instanceof TaskRegistered r
                    && ids.add(r.taskId())) {
                run.add(r);
            }
            if (run.isEmpty()) {
                try (RecordContext.Scope scope = context.enter(i)) {
                    out.add(handle(events.get(i)));
                }
                i++;
            } else {
                int first = i;
                out.addAll(registerAll(run, j -> context.enter(first + j)));
                i += run.size();
            }
        }
        return out;
    }

    /** The prompt event to publish, or empty (a deletion publishes nothing). */
    public Optional<PromptEvent> handle(TaskEvent event) {
        if (event instanceof TaskDeleted deleted) {
            store.delete(deleted.taskId());
            LOG.infof("task %s deleted", deleted.taskId());
            metrics.count("deleted");
            return Optional.empty();
        }
        if (event instanceof TaskExamplesAdded added) {
            return nextVersions.make(added);
        }
        if (event instanceof io.metalprompt.events.TaskRefineRequested) {
            return Optional.empty();   // the refiner's (its own consumer group, RefinementConsumer)
        }
        return registerAll(List.of((TaskRegistered) event), j -> () -> { }).get(0);
    }

    /**
     * Registrations of distinct tasks: a redelivered one whose prompt is stored for the current PGM version is
     * answered with the same {@link PromptReady}; the others are recorded, generated together and finished together.
     * Their Redis work is pipelined across the batch (one round trip per step, not per task and step): the tasks
     * read, the registrations kept, the prompts counted, then stored.
     */
    private List<Optional<PromptEvent>> registerAll(List<TaskRegistered> tasks, RecordContext context) {
        models.run();
        List<Optional<PromptEvent>> out = new ArrayList<>();
        List<TaskRegistered> pending = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        List<TaskRegistered> kept = new ArrayList<>();
        List<Optional<TaskRecord>> found = store.findAll(tasks.stream().map(TaskRegistered::taskId).toList());
        for (int i = 0; i < tasks.size(); i++) {
            TaskRegistered task = tasks.get(i);
            String version = factory.pgmVersion(task.design());
            Optional<TaskRecord> known = found.get(i);
            if (known.isPresent() && known.get().ready() && version.equals(known.get().pgmVersion())
                    && prompts.artifact(task.taskId(), version).isPresent()) {
                TaskRecord r = known.get();
                metrics.count("redelivered");
                out.add(Optional.of(new PromptReady(Events.SCHEMA_VERSION, task.taskId(), task.tenant(), version,
                        r.design(), r.k(), r.promptText(), 0, clock.instant())));
                continue;
            }
            if (known.isEmpty()) {
                if (!store.register(task)) {   // published straight to Kafka, not through the gateway
                    out.add(gone(task));
                    continue;
                }
            } else {
                kept.add(task);
            }
            at.add(out.size());
            out.add(Optional.empty());
            pending.add(task);
        }
        store.saveRegistrations(kept);   // the worker reads the XL demonstrations from them
        if (pending.isEmpty()) {
            return out;
        }
        long t0 = System.nanoTime();
        List<PromptFactory.Outcome> outcomes = factory.generateAll(pending);
        long nanos = System.nanoTime() - t0;
        metrics.batchTasks(pending.size());
        List<Integer> made = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
            if (outcomes.get(i).failure() == null) {
                made.add(i);
            } else {
                try (RecordContext.Scope scope = context.enter(at.get(i))) {
                    out.set(at.get(i), failed(pending.get(i), outcomes.get(i).failure(), nanos));
                }
            }
        }
        if (!made.isEmpty()) {
            finishAll(made.stream().map(pending::get).toList(), made.stream().map(i -> outcomes.get(i).result()).toList(),
                    j -> context.enter(at.get(made.get(j))), t0, nanos).forEach((j, event) -> out.set(at.get(made.get(j)), event));
        }
        return out;
    }

    /** A task whose prompt cannot be made: failed with the reason. */
    private Optional<PromptEvent> failed(TaskRegistered task, String reason, long generationNanos) {
        metrics.timeGeneration("failed", task, generationNanos);
        store.markFailed(task.taskId(), reason);
        metrics.count("failed");
        LOG.infof("task %s failed: %s", task.taskId(), reason);
        return Optional.of(new PromptFailed(Events.SCHEMA_VERSION, task.taskId(), task.tenant(), reason, clock.instant()));
    }

    /**
     * What becomes of tasks whose prompts were made (in a batch of {@code generationNanos}): each counted for its
     * tenant, then stored as version 1 and served (its quality report, when it has validation examples, is made
     * afterwards, off this path: {@link FirstReports}); nothing for a task deleted meanwhile. Counted before stored,
     * each step pipelined over the tasks: a record read again is generated again only if its prompt was not stored,
     * and the usage event id counts it once either way. Then the PGMs are brought up to the published version once,
     * and a prompt of a version replaced meanwhile is made again. Events by task index.
     */
    private Map<Integer, Optional<PromptEvent>> finishAll(List<TaskRegistered> tasks, List<PromptFactory.Result> results,
                                                          RecordContext context, long t0, long generationNanos) {
        boolean[] counted = metrics.recordGenerations(tasks, "registration");
        List<TaskPrompts.FirstPrompt> firsts = new ArrayList<>();
        for (int j = 0; j < tasks.size(); j++) {
            TaskRegistered task = tasks.get(j);
            PromptFactory.Result result = results.get(j);
            firsts.add(new TaskPrompts.FirstPrompt(task.taskId(), result.pgmVersion(), result.k(), result.text(),
                    result.artifact(), new PromptVersion(1, PromptVersion.GENERATED, task.examples().size(),
                    result.pgmVersion(), clock.instant(), null, null)));
        }
        boolean[] stored = prompts.storeFirstPrompts(firsts);
        models.run();
        Map<Integer, Optional<PromptEvent>> out = new java.util.LinkedHashMap<>();
        for (int j = 0; j < tasks.size(); j++) {
            try (RecordContext.Scope scope = context.enter(j)) {
                TaskRegistered task = tasks.get(j);
                metrics.timeGeneration("ready", task, generationNanos);
                if (counted[j]) {
                    metrics.countedGeneration(task.tenant());
                }
                out.put(j, stored[j] ? ready(task, results.get(j), t0) : gone(task));
            }
        }
        return out;
    }

    /** The event of a task whose prompt is stored and served (made again first if its PGM version was replaced). */
    private Optional<PromptEvent> ready(TaskRegistered task, PromptFactory.Result made, long t0) {
        PromptFactory.Result result = made;
        metrics.artifactBytes(result.artifact().length);
        metrics.count("ready");
        if (!factory.pgmVersion(task.design()).equals(result.pgmVersion())) {
            result = again(task, result);
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        LOG.infof("task %s ready: %s prompt of %d positions in %d ms (PGM %s)", task.taskId(), task.design(),
                result.k(), millis, result.pgmVersion());
        return Optional.of(new PromptReady(Events.SCHEMA_VERSION, task.taskId(), task.tenant(), result.pgmVersion(),
                task.design(), result.k(), result.text(), millis, clock.instant()));
    }

    /** A registration of a task deleted before (or while) its prompt was made: nothing is stored or published. */
    private Optional<PromptEvent> gone(TaskRegistered task) {
        metrics.count("deleted");
        LOG.infof("task %s was deleted: its registration is not generated or stored", task.taskId());
        return Optional.empty();
    }

    /** The quality gate this handler's versions pass (the refiner's too). */
    public VersionGate gate() {
        return gate;
    }


    /** The task's prompt made again by the PGM version published meanwhile; the first one when that one refuses. */
    private PromptFactory.Result again(TaskRegistered task, PromptFactory.Result first) {
        try {
            PromptFactory.Result next = factory.generate(task);
            if (prompts.switchVersion(task.taskId(), next.pgmVersion(), next.k(), next.text(), next.artifact())) {
                return next;
            }
        } catch (IllegalArgumentException e) {
            LOG.warnf("task %s keeps its prompt of PGM %s: the version published meanwhile refuses it: %s",
                    task.taskId(), first.pgmVersion(), e.getMessage());
        }
        return first;
    }
}
