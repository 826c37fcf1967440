package io.metalprompt.promptgen;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.metalprompt.events.TaskRegistered;
import io.metalprompt.prompt.PromptArtifact;
import io.metalprompt.store.RolloutStore;
import io.metalprompt.store.TaskIndex;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;

/**
 * Moves every task's prompt to the published PGM version, in the background, at a bounded rate.
 *
 * <p>One replica at a time drives a rollout (a lease in Redis, renewed while it works, running out if the replica
 * dies). It walks over all tasks through the task index ({@link TaskIndex#scanTasks}: sorted sets paged by id, never
 * a scan of the keyspace) with a cursor it saves after each page, so a rollout
 * interrupted by a crash or a restart goes on from the last saved page (the tasks of that page are looked at again,
 * which is harmless). For each ready task of a design the new version holds and not yet on it: the prompt is
 * generated again with the new PGM (or, on a rollback, the stored prompt of that version is reused), stored under
 * the new version's key, and only then is the task's version pointer moved ({@link TaskPrompts#switchVersion}, one
 * atomic step). Until that moment the inference-worker keeps serving the old prompt. A task the new version
 * refuses (its examples no longer fit, for example) keeps its old prompt. A later publication replaces the
 * rollout: the running walk notices at its next page and stops.
 */
public class PromptRollout {

    private static final Logger LOG = Logger.getLogger(PromptRollout.class);

    /** Tasks per second regenerated at most, tasks per page of the index walk, and how long the lease lasts unless renewed. */
    public record Settings(double tasksPerSecond, int pageSize, Duration lease) {
        public Settings {
            if (!(tasksPerSecond > 0) || pageSize <= 0 || lease.isNegative() || lease.isZero()) {
                throw new IllegalArgumentException("rollout rate, page size and lease must be positive");
            }
        }
    }

    /** Waiting, replaceable in tests. */
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    /** What happened to one task. */
    enum Outcome { REGENERATED, REUSED, CURRENT, SKIPPED, REFUSED }

    private final TaskStore tasks;
    private final TaskIndex index;
    private final TaskPrompts prompts;
    private final RolloutStore rollouts;
    private final ModelUpdater models;
    private final PromptFactory factory;
    private final String fingerprint;
    private final String owner;
    private final Settings settings;
    private final Sleeper sleeper;
    private final Clock clock;
    private long lastGeneration = Long.MIN_VALUE / 2;

    public PromptRollout(TaskStore tasks, TaskIndex index, TaskPrompts prompts, RolloutStore rollouts,
                         ModelUpdater models, PromptFactory factory, String fingerprint, String owner, Settings settings,
                         Sleeper sleeper, Clock clock) {
        this.tasks = tasks;
        this.index = index;
        this.prompts = prompts;
        this.rollouts = rollouts;
        this.models = models;
        this.factory = factory;
        this.fingerprint = fingerprint;
        this.owner = owner;
        this.settings = settings;
        this.sleeper = sleeper;
        this.clock = clock;
    }

    /**
     * One round: loads the published version if needed; then, if its rollout is unfinished and this replica gets
     * the lease, walks on until the rollout is complete, replaced by a later one, or this thread is interrupted.
     * Returns how many prompts this round moved to the new version.
     */
    public int runOnce() throws InterruptedException {
        models.sync();
        Optional<RolloutStore.Rollout> state = rollouts.rollout(fingerprint);
        String target = models.appliedVersion();
        if (state.isEmpty() || state.get().done() || !state.get().version().equals(target)) {
            return 0;   // nothing to do, or this replica has not loaded that version (yet, or it cannot)
        }
        if (!rollouts.acquireLease(fingerprint, owner, settings.lease())) {
            return 0;   // another replica drives it
        }
        int moved = 0;
        try {
            // read again under the lease: the previous holder may have saved progress since
            state = rollouts.rollout(fingerprint);
            if (state.isEmpty() || state.get().done() || !state.get().version().equals(target)) {
                return 0;
            }
            String cursor = state.get().cursor();
            if ("0".equals(cursor)) {
                LOG.infof("rollout of PGM version %s: starting (at most %.1f prompts per second)", target,
                        settings.tasksPerSecond());
            } else {
                LOG.infof("rollout of PGM version %s: going on from cursor %s", target, cursor);
            }
            while (true) {
                TaskIndex.TaskPage page = index.scanTasks(cursor, settings.pageSize());
                int movedHere = 0;
                for (String taskId : page.taskIds()) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedException("rollout stopped");
                    }
                    if (!rollouts.renewLease(fingerprint, owner, settings.lease())) {
                        LOG.warnf("rollout of PGM version %s: lease lost, another replica goes on", target);
                        return moved;
                    }
                    Outcome o = moveTask(taskId, target);
                    if (o == Outcome.REGENERATED || o == Outcome.REUSED) {
                        movedHere++;
                    }
                }
                moved += movedHere;
                if (!rollouts.advance(fingerprint, target, page.cursor(), page.last(), movedHere, clock.instant())) {
                    LOG.infof("rollout of PGM version %s: replaced by a later publication", target);
                    return moved;
                }
                if (page.last()) {
                    LOG.infof("rollout of PGM version %s: complete, every task's prompt is of this version (%d moved "
                            + "in this round)", target, moved);
                    return moved;
                }
                cursor = page.cursor();
            }
        } finally {
            rollouts.releaseLease(fingerprint, owner);
        }
    }

    /** Moves one task to {@code target} if it is a ready task of a design that version holds. */
    Outcome moveTask(String taskId, String target) throws InterruptedException {
        Optional<TaskRecord> found = tasks.find(taskId);
        if (found.isEmpty() || !found.get().ready() || !models.appliedDesigns().contains(found.get().design())) {
            return Outcome.SKIPPED;   // gone, pending (its registration gets the new version), failed, or another design
        }
        TaskRecord task = found.get();
        if (target.equals(task.pgmVersion())) {
            return Outcome.CURRENT;
        }
        Optional<byte[]> stored = prompts.artifact(taskId, target);
        if (stored.isPresent()) {
            PromptArtifact a = PromptArtifact.fromBytes(stored.get());
            return prompts.switchVersion(taskId, target, a.k(), a.promptText(), stored.get()) ? Outcome.REUSED : Outcome.SKIPPED;
        }
        Optional<TaskRegistered> registration = tasks.registration(taskId);
        if (registration.isEmpty()) {
            return Outcome.SKIPPED;
        }
        pace();
        PromptFactory.Result result;
        try {
            result = factory.generate(registration.get());
        } catch (IllegalArgumentException e) {
            LOG.warnf("task %s keeps its prompt of PGM %s: version %s refuses it: %s", taskId, task.pgmVersion(), target,
                    e.getMessage());
            return Outcome.REFUSED;
        }
        if (!target.equals(result.pgmVersion())) {
            return Outcome.SKIPPED;   // the PGM changed under this walk; the next rollout covers the task
        }
        return prompts.switchVersion(taskId, target, result.k(), result.text(), result.artifact())
                ? Outcome.REGENERATED : Outcome.SKIPPED;
    }

    /** Waits so that generations are at least 1/rate apart. */
    private void pace() throws InterruptedException {
        long interval = (long) (1000 / settings.tasksPerSecond());
        long wait = lastGeneration + interval - clock.millis();
        if (wait > 0) {
            sleeper.sleep(wait);
        }
        lastGeneration = clock.millis();
    }
}
