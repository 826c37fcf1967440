package io.metalprompt.promptgen;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.jboss.logging.Logger;

import io.metalprompt.events.Events;
import io.metalprompt.events.Example;
import io.metalprompt.events.PromptEvent;
import io.metalprompt.events.PromptFailed;
import io.metalprompt.events.PromptReady;
import io.metalprompt.events.TaskDeleted;
import io.metalprompt.events.TaskEvent;
import io.metalprompt.events.TaskExamplesAdded;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.store.PromptVersion;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;
import io.metalprompt.store.UsageStore;
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
 *
 * <p>Before and after generating it brings the PGMs up to the published version ({@code models}): a version
 * published while a prompt was being made may have had its rollout pass this task while it was still pending,
 * so a prompt that turns out to be of a replaced version is made again with the new one at once.
 */
public class PromptTaskHandler {

    private static final Logger LOG = Logger.getLogger(PromptTaskHandler.class);

    private final TaskStore store;
    private final PromptFactory factory;
    private final Runnable models;
    private final Clock clock;
    private final MeterRegistry registry;
    private final DistributionSummary artifactBytes;
    private final DistributionSummary batchTasks;
    private final UsageStore usage;
    private final QualityScorer quality;

    /** {@code models} loads the published PGM version if this replica does not serve it yet (a no-op when it does). */
    public PromptTaskHandler(TaskStore store, PromptFactory factory, Runnable models, Clock clock,
                             MeterRegistry registry) {
        this(store, factory, models, clock, registry, null);
    }

    /** {@code usage}: where each prompt generated for a tenant is counted (null: not counted). */
    public PromptTaskHandler(TaskStore store, PromptFactory factory, Runnable models, Clock clock,
                             MeterRegistry registry, UsageStore usage) {
        this(store, factory, models, clock, registry, usage, null);
    }

    /** {@code quality}: scores each version on the task's validation examples (null: no reports, no gate). */
    public PromptTaskHandler(TaskStore store, PromptFactory factory, Runnable models, Clock clock,
                             MeterRegistry registry, UsageStore usage, QualityScorer quality) {
        this.quality = quality;
        this.usage = usage;
        this.store = store;
        this.factory = factory;
        this.models = models;
        this.clock = clock;
        this.registry = registry;
        this.artifactBytes = DistributionSummary.builder("metal.promptgen.artifact").baseUnit("bytes")
                .description("Size of each stored prompt artifact").register(registry);
        this.batchTasks = DistributionSummary.builder("metal.promptgen.batch.tasks")
                .description("Registrations generated together (one batched PGM pass per pass of the examples)")
                .register(registry);
    }

    /** Counts what became of a record: {@code ready}, {@code failed}, {@code redelivered} or {@code deleted}. */
    private void count(String outcome) {
        Counter.builder("metal.promptgen.task.events").description("Task records handled, by what became of them")
                .tag("outcome", outcome).register(registry).increment();
    }

    /** Times one generation; {@code outcome} is {@code ready} or {@code failed}. */
    private void timeGeneration(String outcome, TaskRegistered task, long nanos) {
        Timer.builder("metal.promptgen.generation")
                .description("Generating one task's prompt with the PGM (one pass, or iterative for many examples); "
                        + "a task generated in a batch records the batch's time")
                .tag("design", task.design().name().toLowerCase(Locale.ROOT))
                .tag("outcome", outcome)
                .publishPercentileHistogram().register(registry).record(Duration.ofNanos(nanos));
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
            count("deleted");
            return Optional.empty();
        }
        if (event instanceof TaskExamplesAdded added) {
            return nextVersion(added);
        }
        if (event instanceof io.metalprompt.events.TaskRefineRequested) {
            return Optional.empty();   // the refiner's (its own consumer group, RefinementConsumer)
        }
        return registerAll(List.of((TaskRegistered) event), j -> () -> { }).get(0);
    }

    /**
     * Registrations of distinct tasks: a redelivered one whose prompt is stored for the current PGM version is
     * answered with the same {@link PromptReady}; the others are recorded, generated together and finished one by one.
     */
    private List<Optional<PromptEvent>> registerAll(List<TaskRegistered> tasks, RecordContext context) {
        models.run();
        List<Optional<PromptEvent>> out = new ArrayList<>();
        List<TaskRegistered> pending = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (TaskRegistered task : tasks) {
            String version = factory.pgmVersion(task.design());
            Optional<TaskRecord> known = store.find(task.taskId());
            if (known.isPresent() && known.get().ready() && version.equals(known.get().pgmVersion())
                    && store.artifact(task.taskId(), version).isPresent()) {
                TaskRecord r = known.get();
                count("redelivered");
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
                store.saveRegistration(task);   // the worker reads the XL demonstrations from it
            }
            at.add(out.size());
            out.add(Optional.empty());
            pending.add(task);
        }
        if (pending.isEmpty()) {
            return out;
        }
        long t0 = System.nanoTime();
        List<PromptFactory.Outcome> outcomes = factory.generateAll(pending);
        long nanos = System.nanoTime() - t0;
        batchTasks.record(pending.size());
        for (int i = 0; i < pending.size(); i++) {
            try (RecordContext.Scope scope = context.enter(at.get(i))) {
                out.set(at.get(i), finish(pending.get(i), outcomes.get(i), t0, nanos));
            }
        }
        return out;
    }

    /**
     * What becomes of a task once its generation (in a batch of {@code generationNanos}) ended: failed with the
     * reason, or its prompt stored as version 1 (with its quality report when it has validation examples) and served;
     * nothing when the task was deleted meanwhile.
     */
    private Optional<PromptEvent> finish(TaskRegistered task, PromptFactory.Outcome outcome, long t0,
                                         long generationNanos) {
        if (outcome.failure() != null) {
            timeGeneration("failed", task, generationNanos);
            store.markFailed(task.taskId(), outcome.failure());
            count("failed");
            LOG.infof("task %s failed: %s", task.taskId(), outcome.failure());
            return Optional.of(new PromptFailed(Events.SCHEMA_VERSION, task.taskId(), task.tenant(), outcome.failure(),
                    clock.instant()));
        }
        PromptFactory.Result result = outcome.result();
        timeGeneration("ready", task, generationNanos);
        countGeneration(task.tenant(), task.taskId(), "registration");
        if (!store.storeReady(task.taskId(), result.pgmVersion(), result.k(), result.text(), result.artifact())) {
            return gone(task);
        }
        PromptVersion first = new PromptVersion(1, PromptVersion.GENERATED, task.examples().size(),
                result.pgmVersion(), clock.instant(), null, null);
        store.saveVersion(task.taskId(), first, null);
        PromptVersion.Quality q = score(task, task.examples(), result.artifact());
        if (q != null) {
            store.saveVersion(task.taskId(), new PromptVersion(1, first.source(), first.examplesSeen(),
                    first.pgmVersion(), first.createdAt(), q, null), null);
        }
        artifactBytes.record(result.artifact().length);
        count("ready");
        models.run();
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
        count("deleted");
        LOG.infof("task %s was deleted: its registration is not generated or stored", task.taskId());
        return Optional.empty();
    }

    /**
     * More examples for a ready task: its next prompt version, made by iterative generation from the served prompt and
     * the new examples, stored under its number and then served (the task's pointer moves in one step on its hash,
     * and only forward). Requests are answered by the served version meanwhile. Idempotent: a redelivered record whose
     * version is stored only moves the pointer if it has not moved yet. A task that is gone, or not ready, is skipped.
     */
    private Optional<PromptEvent> nextVersion(TaskExamplesAdded added) {
        Optional<TaskRecord> found = store.find(added.taskId()).filter(t -> added.tenant().equals(t.tenant()));
        Optional<TaskRegistered> registration = store.registration(added.taskId());
        if (found.isEmpty() || !found.get().ready() || registration.isEmpty()) {
            LOG.infof("task %s: version %d skipped, the task is gone or not ready", added.taskId(), added.version());
            count("skipped");
            return Optional.empty();
        }
        TaskRecord task = found.get();
        if (task.servedVersion() >= added.version()) {
            count("redelivered");
            return Optional.of(ready(task, 0));
        }
        models.run();
        Optional<PromptVersion> stored = store.version(added.taskId(), added.version());
        int seenBefore = store.version(added.taskId(), task.servedVersion()).map(PromptVersion::examplesSeen)
                .orElse(registration.get().examples().size());
        long t0 = System.nanoTime();
        PromptVersion version;
        int k;
        String text;
        if (stored.isPresent() && stored.get().rejected() == null) {
            // stored before a crash: serve it, do not generate again (its artifact says its k and text)
            version = stored.get();
            io.metalprompt.prompt.PromptArtifact artifact = io.metalprompt.prompt.PromptArtifact.fromBytes(
                    store.versionArtifact(added.taskId(), added.version()).orElseThrow());
            k = artifact.k();
            text = artifact.promptText();
        } else {
            byte[] previous = store.artifactFor(task).orElse(null);
            if (previous == null) {
                LOG.warnf("task %s: version %d skipped, the served prompt is not in Redis", added.taskId(), added.version());
                count("skipped");
                return Optional.empty();
            }
            PromptFactory.Result result;
            try {
                result = factory.generateFrom(registration.get(), previous, added.examples());
            } catch (IllegalArgumentException e) {
                // the served version stays; the version is recorded as rejected with the reason
                store.saveVersion(added.taskId(), new PromptVersion(added.version(), PromptVersion.EXAMPLES,
                        seenBefore + added.examples().size(), factory.pgmVersion(task.design()), clock.instant(), null,
                        e.getMessage()), null);
                count("failed");
                LOG.infof("task %s: version %d not made: %s", added.taskId(), added.version(), e.getMessage());
                return Optional.empty();
            }
            timeGeneration("ready", registration.get(), System.nanoTime() - t0);
            countGeneration(added.tenant(), added.taskId(), Integer.toString(added.version()));
            PromptVersion.Quality q = score(registration.get(), trainingOf(registration.get(), added), result.artifact());
            version = new PromptVersion(added.version(), PromptVersion.EXAMPLES, seenBefore + added.examples().size(),
                    result.pgmVersion(), clock.instant(), q, null);
            store.saveVersion(added.taskId(), version, result.artifact());
            artifactBytes.record(result.artifact().length);
            k = result.k();
            text = result.text();
        }
        Optional<String> worse = serveIfNotWorse(registration.get(), task, version, k, text);
        if (worse.isPresent()) {
            count("rejected");
            LOG.infof("task %s: prompt version %d not served: %s", added.taskId(), added.version(), worse.get());
            return Optional.empty();
        }
        count("ready");
        long millis = (System.nanoTime() - t0) / 1_000_000;
        LOG.infof("task %s: prompt version %d served (%d examples seen, %d ms)", added.taskId(), added.version(),
                version.examplesSeen(), millis);
        return store.find(added.taskId()).map(t -> ready(t, millis));
    }

    /**
     * Serves the stored {@code version} (moves the task's pointer in one step) unless it is worse than the served one
     * on the validation examples: then it is recorded as rejected, and the reason returned.
     */
    Optional<String> serveIfNotWorse(TaskRegistered registration, TaskRecord served, PromptVersion version, int k,
                                     String text) {
        Optional<String> worse = worseThanServed(registration, served, version);
        if (worse.isPresent()) {
            store.saveVersion(served.taskId(), version.withRejected(worse.get()), null);
            return worse;
        }
        store.servePromptVersion(served.taskId(), version.number(), version.pgmVersion(), k, text);
        return Optional.empty();
    }

    /** The version's quality report, or null without validation examples (or a scorer). */
    PromptVersion.Quality score(TaskRegistered task, List<Example> training, byte[] artifact) {
        if (quality == null) {
            return null;
        }
        List<Example> validation = store.validation(task.taskId());
        return validation.isEmpty() ? null : quality.score(task, training, artifact, validation);
    }

    /**
     * The examples version {@code added.version()} was made from, for the ICL beside it: the registration's, then the
     * added ones up to this record's (they are appended in the order the records are published).
     */
    private List<Example> trainingOf(TaskRegistered task, TaskExamplesAdded added) {
        List<Example> all = store.addedExampleList(task.taskId());
        int at = java.util.Collections.lastIndexOfSubList(all, added.examples());
        List<Example> training = new java.util.ArrayList<>(task.examples());
        training.addAll(at < 0 ? added.examples() : all.subList(0, at + added.examples().size()));
        return training;
    }

    /**
     * Why {@code version} must not replace the served version: its macro-F1 on the validation examples is below the
     * served one's (ties replace). The served version is scored now if it was not (a task from before reports). Empty
     * when it may be served, also when either cannot be scored.
     */
    private Optional<String> worseThanServed(TaskRegistered task, TaskRecord served, PromptVersion version) {
        if (version.quality() == null) {
            return Optional.empty();
        }
        Optional<PromptVersion> current = store.version(served.taskId(), served.servedVersion());
        PromptVersion.Quality bar = current.map(PromptVersion::quality).orElse(null);
        if (bar == null) {
            byte[] artifact = store.artifactFor(served).orElse(null);
            int seen = current.map(PromptVersion::examplesSeen).orElse(task.examples().size());
            List<Example> training = new java.util.ArrayList<>(task.examples());
            List<Example> added = store.addedExampleList(task.taskId());
            training.addAll(added.subList(0, Math.max(0, Math.min(added.size(), seen - task.examples().size()))));
            bar = artifact == null ? null : score(task, training, artifact);
            if (bar != null && current.isPresent()) {
                PromptVersion c = current.get();
                store.saveVersion(served.taskId(), new PromptVersion(c.number(), c.source(), c.examplesSeen(),
                        c.pgmVersion(), c.createdAt(), bar, c.rejected()), null);
            }
        }
        if (bar == null || version.quality().macroF1() >= bar.macroF1()) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "macro-F1 %.3f below the served %.3f",
                version.quality().macroF1(), bar.macroF1()));
    }

    private PromptReady ready(TaskRecord t, long millis) {
        return new PromptReady(Events.SCHEMA_VERSION, t.taskId(), t.tenant(), t.pgmVersion(), t.design(),
                t.k() == null ? 0 : t.k(), t.promptText(), millis, clock.instant());
    }

    /**
     * Counts one prompt generated for the tenant, before it is stored: a redelivered record generates again only if
     * the prompt was not stored, and the event id ({@code generation:<task>:<what>}) makes the count once in either
     * case ({@link UsageStore}). Prompts made again for a newly published PGM (a rollout) are the provider's doing
     * and not counted.
     */
    private void countGeneration(String tenant, String taskId, String what) {
        if (usage != null && usage.record(tenant, taskId, "generation:" + taskId + ":" + what,
                LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC), Map.of(UsageStore.PROMPT_GENERATIONS, 1L))) {
            Counter.builder("metal.promptgen.usage.generations").description("Prompts generated for tenants, per tenant "
                    + "(each once; the same counts as GET /v1/usage)").tag("tenant", tenant).register(registry).increment();
        }
    }

    /** The task's prompt made again by the PGM version published meanwhile; the first one when that one refuses. */
    private PromptFactory.Result again(TaskRegistered task, PromptFactory.Result first) {
        try {
            PromptFactory.Result next = factory.generate(task);
            if (store.switchVersion(task.taskId(), next.pgmVersion(), next.k(), next.text(), next.artifact())) {
                return next;
            }
        } catch (IllegalArgumentException e) {
            LOG.warnf("task %s keeps its prompt of PGM %s: the version published meanwhile refuses it: %s",
                    task.taskId(), first.pgmVersion(), e.getMessage());
        }
        return first;
    }
}
