package io.metalprompt.promptgen;

import java.time.Duration;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.metalprompt.events.TaskRegistered;
import io.metalprompt.store.ExampleStore;
import io.metalprompt.store.PromptVersion;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;

/**
 * Version 1's quality report (issue 16), made once the task's prompt is served rather than before it: scoring a prompt
 * on the validation examples, beside in-context learning with the training examples, costs more than generating it,
 * and a burst of registrations waited for every report in turn (issue 18 item 2: 45 % of a burst's time). The API
 * shows {@code quality: null} until it is made.
 *
 * <p>Runs on the refiner's lane ({@link RefinementConsumer}: a consumer group of its own on the registrations topic,
 * one record at a time, its offset committed after the report is stored, so a crash makes it again). For a
 * registration it waits for the task's first prompt, then for a lull in this replica's generation
 * ({@link GenerationActivity}, at most {@code patience}, so a burst of registrations goes first), and records the
 * report on version 1 ({@link TaskPrompts#rewriteVersion}, nothing for a task deleted meanwhile). Idempotent: a task
 * that failed, is gone, has no validation examples, or whose version 1 is already scored (by the gate of a later
 * version, {@link VersionGate}) is left as it is.
 */
public class FirstReports {

    private static final Logger LOG = Logger.getLogger(FirstReports.class);

    private final TaskStore store;
    private final TaskPrompts prompts;
    private final ExampleStore examples;
    private final VersionGate gate;
    private final GenerationActivity generation;
    private final Duration readyWait;
    private final Duration lull;
    private final Duration patience;

    /**
     * {@code readyWait}: how long to wait for the first prompt; {@code lull}: how long generation must have been idle;
     * {@code patience}: how long to wait for such a lull at most.
     */
    public FirstReports(TaskStore store, TaskPrompts prompts, ExampleStore examples, VersionGate gate,
                        GenerationActivity generation, Duration readyWait, Duration lull, Duration patience) {
        this.store = store;
        this.prompts = prompts;
        this.examples = examples;
        this.gate = gate;
        this.generation = generation;
        this.readyWait = readyWait;
        this.lull = lull;
        this.patience = patience;
    }

    /** Scores version 1 of {@code task} if it has no report yet; the report recorded, else empty. */
    public Optional<PromptVersion.Quality> report(TaskRegistered task) {
        String id = task.taskId();
        Optional<TaskRecord> found = Refiner.awaitFirstPrompt(store, id, task.tenant(), readyWait);
        if (found.isEmpty() || !found.get().ready() || examples.validation(id).isEmpty()) {
            return Optional.empty();
        }
        Optional<PromptVersion> first = prompts.version(id, 1);
        if (first.isEmpty() || first.get().quality() != null) {
            return Optional.empty();
        }
        PromptVersion v = first.get();
        Optional<byte[]> artifact = prompts.artifact(id, v.pgmVersion());
        if (artifact.isEmpty()) {
            return Optional.empty();   // replaced by two rollouts since: the gate scores what is served when it must
        }
        generation.awaitLull(lull, patience);
        PromptVersion.Quality q = gate.score(task, task.examples(), artifact.get());
        if (q == null || !prompts.rewriteVersion(id, new PromptVersion(v.number(), v.source(), v.examplesSeen(),
                v.pgmVersion(), v.createdAt(), q, v.rejected()))) {
            return Optional.empty();
        }
        LOG.debugf("task %s: version 1 scored, macro-F1 %.3f on %d validation examples", id, q.macroF1(),
                q.validationExamples());
        return Optional.of(q);
    }
}
