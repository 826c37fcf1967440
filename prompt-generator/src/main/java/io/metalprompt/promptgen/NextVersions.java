package io.metalprompt.promptgen;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.metalprompt.events.Events;
import io.metalprompt.events.Example;
import io.metalprompt.events.PromptEvent;
import io.metalprompt.events.PromptReady;
import io.metalprompt.events.TaskExamplesAdded;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.store.ExampleStore;
import io.metalprompt.store.PromptVersion;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;

/**
 * A ready task's next prompt version from more examples ({@code POST /v1/tasks/{id}/examples}, issue 16): iterative
 * generation continued from the served prompt over the new examples, stored under the version's number, then served
 * if it passes the {@link VersionGate}. Plain Java, called by {@link PromptTaskHandler} for each
 * {@link TaskExamplesAdded} record.
 */
final class NextVersions {

    private static final Logger LOG = Logger.getLogger(NextVersions.class);

    private final TaskStore store;
    private final TaskPrompts prompts;
    private final ExampleStore examples;
    private final PromptFactory factory;
    private final Runnable models;
    private final Clock clock;
    private final VersionGate gate;
    private final PromptGenMetrics metrics;

    NextVersions(TaskStore store, TaskPrompts prompts, ExampleStore examples, PromptFactory factory, Runnable models,
                 Clock clock, VersionGate gate, PromptGenMetrics metrics) {
        this.store = store;
        this.prompts = prompts;
        this.examples = examples;
        this.factory = factory;
        this.models = models;
        this.clock = clock;
        this.gate = gate;
        this.metrics = metrics;
    }

    /**
     * More examples for a ready task: its next prompt version, made by iterative generation from the served prompt and
     * the new examples, stored under its number and then served (the task's pointer moves in one step on its hash,
     * and only forward). Requests are answered by the served version meanwhile. Idempotent: a redelivered record whose
     * version is stored only moves the pointer if it has not moved yet. A task that is gone, or not ready, is skipped.
     */
    Optional<PromptEvent> make(TaskExamplesAdded added) {
        Optional<TaskRecord> found = store.find(added.taskId()).filter(t -> added.tenant().equals(t.tenant()));
        Optional<TaskRegistered> registration = store.registration(added.taskId());
        if (found.isEmpty() || !found.get().ready() || registration.isEmpty()) {
            LOG.infof("task %s: version %d skipped, the task is gone or not ready", added.taskId(), added.version());
            metrics.count("skipped");
            return Optional.empty();
        }
        TaskRecord task = found.get();
        if (task.servedVersion() >= added.version()) {
            metrics.count("redelivered");
            return Optional.of(ready(task, 0));
        }
        models.run();
        Optional<PromptVersion> stored = prompts.version(added.taskId(), added.version());
        int seenBefore = prompts.version(added.taskId(), task.servedVersion()).map(PromptVersion::examplesSeen)
                .orElse(registration.get().examples().size());
        long t0 = System.nanoTime();
        PromptVersion version;
        int k;
        String text;
        if (stored.isPresent() && stored.get().rejected() == null) {
            // stored before a crash: serve it, do not generate again (its artifact says its k and text)
            version = stored.get();
            io.metalprompt.prompt.PromptArtifact artifact = io.metalprompt.prompt.PromptArtifact.fromBytes(
                    prompts.versionArtifact(added.taskId(), added.version()).orElseThrow());
            k = artifact.k();
            text = artifact.promptText();
        } else {
            byte[] previous = prompts.artifactFor(task).orElse(null);
            if (previous == null) {
                LOG.warnf("task %s: version %d skipped, the served prompt is not in Redis", added.taskId(), added.version());
                metrics.count("skipped");
                return Optional.empty();
            }
            PromptFactory.Result result;
            try {
                result = factory.generateFrom(registration.get(), previous, added.examples());
            } catch (IllegalArgumentException e) {
                // the served version stays; the version is recorded as rejected with the reason
                prompts.saveVersion(added.taskId(), new PromptVersion(added.version(), PromptVersion.EXAMPLES,
                        seenBefore + added.examples().size(), factory.pgmVersion(task.design()), clock.instant(), null,
                        e.getMessage()), null);
                metrics.count("failed");
                LOG.infof("task %s: version %d not made: %s", added.taskId(), added.version(), e.getMessage());
                return Optional.empty();
            }
            metrics.timeGeneration("ready", registration.get(), System.nanoTime() - t0);
            metrics.countGeneration(added.tenant(), added.taskId(), Integer.toString(added.version()));
            PromptVersion.Quality q = gate.score(registration.get(), trainingOf(registration.get(), added), result.artifact());
            version = new PromptVersion(added.version(), PromptVersion.EXAMPLES, seenBefore + added.examples().size(),
                    result.pgmVersion(), clock.instant(), q, null);
            prompts.saveVersion(added.taskId(), version, result.artifact());
            metrics.artifactBytes(result.artifact().length);
            k = result.k();
            text = result.text();
        }
        Optional<String> worse = gate.serveIfNotWorse(registration.get(), task, version, k, text);
        if (worse.isPresent()) {
            metrics.count("rejected");
            LOG.infof("task %s: prompt version %d not served: %s", added.taskId(), added.version(), worse.get());
            return Optional.empty();
        }
        metrics.count("ready");
        long millis = (System.nanoTime() - t0) / 1_000_000;
        LOG.infof("task %s: prompt version %d served (%d examples seen, %d ms)", added.taskId(), added.version(),
                version.examplesSeen(), millis);
        return store.find(added.taskId()).map(t -> ready(t, millis));
    }

    /**
     * The examples version {@code added.version()} was made from, for the ICL beside it: the registration's, then the
     * added ones up to this record's (they are appended in the order the records are published).
     */
    private List<Example> trainingOf(TaskRegistered task, TaskExamplesAdded added) {
        List<Example> all = examples.addedExampleList(task.taskId());
        int at = java.util.Collections.lastIndexOfSubList(all, added.examples());
        List<Example> training = new java.util.ArrayList<>(task.examples());
        training.addAll(at < 0 ? added.examples() : all.subList(0, at + added.examples().size()));
        return training;
    }

    private PromptReady ready(TaskRecord t, long millis) {
        return new PromptReady(Events.SCHEMA_VERSION, t.taskId(), t.tenant(), t.pgmVersion(), t.design(),
                t.k() == null ? 0 : t.k(), t.promptText(), millis, clock.instant());
    }
}
