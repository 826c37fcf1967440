package io.metalprompt.gateway;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import io.metalprompt.events.Example;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskIds;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.store.ExampleStore;
import io.metalprompt.store.PromptVersion;
import io.metalprompt.store.Refinements;
import io.metalprompt.store.ServedDesigns;
import io.metalprompt.store.TaskIndex;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;

/**
 * What the gateway does with tasks: the narrow view of the shared task stores ({@link TaskStore}, which owns the task
 * and each tenant's set of tasks that the task quota counts, {@link TaskIndex}, {@link TaskPrompts},
 * {@link ExampleStore}, {@link Refinements}; the Redis keys are in docs/architecture.md, "Redis keys"); a map in unit
 * tests. One port for every task use case: each uses the part it needs.
 */
public interface Tasks {

    /**
     * Writes a new task (status pending) and its registration, unless its tenant already has
     * {@code maxTasksPerTenant} tasks (0 = no limit): then nothing is written and the answer is false.
     */
    boolean create(TaskRegistered task, int maxTasksPerTenant);

    /** The task as stored; fields the prompt-generator has not written yet are null. */
    Optional<TaskRecord> find(String taskId);

    /**
     * The caller's task; 404 for an id of another tenant, an unknown id and an id not of the form the gateway issues
     * (that one never reaches the store), all with the same answer.
     */
    default TaskRecord owned(String tenant, String taskId) {
        return (TaskIds.isValid(taskId) ? find(taskId) : Optional.<TaskRecord>empty())
                .filter(t -> tenant.equals(t.tenant()))
                .orElseThrow(() -> ApiException.notFound("no task " + taskId + " for tenant '" + tenant
                        + "'; register one with POST /v1/tasks"));
    }

    /** Removes the task's keys (a task that does not exist is no error). */
    void delete(String taskId);

    /**
     * Up to {@code count} entries of the tenant's task index, newest first, strictly after ({@code afterMillis},
     * {@code afterId}) (null: from the newest); {@link TaskIndex#newest}.
     */
    List<TaskIndex.IndexEntry> newest(String tenant, Long afterMillis, String afterId, int count);

    /** Takes an id off the tenant's index (an entry whose task is gone). */
    void unindex(String tenant, String taskId);

    /** How many examples the task was registered with (0 when its registration is gone). */
    int registeredExamples(String taskId);

    /**
     * Appends examples and allots the next prompt version's number ({@link ExampleStore#addExamples}); -1 (nothing
     * written) when the task would then hold more than {@code maxExamples}.
     */
    int addExamples(String taskId, int registered, List<Example> examples, List<Example> validation, int maxExamples);

    /** Keeps the validation examples of a new task (before its registration is published). */
    void saveValidation(String taskId, List<Example> validation);

    /** {@link Refinements#queueRefinement}: the version it makes, 0 when one is queued already, -1 over the bound. */
    int queueRefinement(String tenant, String taskId, int steps, int maxPerTenant);

    /** The task's last refinement, if any. */
    Optional<Refinements.Refinement> refinement(String taskId);

    /** Ends the task's refinement as rejected (it could not be queued) and frees its tenant's slot. */
    void refinementEnded(String tenant, String taskId);

    /** The task's recorded prompt versions, oldest first. */
    List<PromptVersion> versions(String taskId);

    /**
     * The designs the prompt-generators have a PGM for, or empty when none has said ({@link ServedDesigns}); may be
     * up to {@code metal.gateway.served-designs-refresh} old.
     */
    Optional<Set<PromptDesign>> servedDesigns();

    /** The gateway's view of the shared task stores, the served designs read through {@code designs}. */
    static Tasks in(TaskStore store, TaskIndex index, TaskPrompts prompts, ExampleStore exampleStore,
                    Refinements refinements, Supplier<Optional<Set<PromptDesign>>> designs) {
        return new Tasks() {
            @Override
            public boolean create(TaskRegistered task, int maxTasksPerTenant) {
                if (maxTasksPerTenant <= 0) {
                    store.register(task);
                    return true;
                }
                return store.register(task, maxTasksPerTenant);
            }

            @Override
            public Optional<TaskRecord> find(String taskId) {
                return store.find(taskId);
            }

            @Override
            public void delete(String taskId) {
                store.delete(taskId);
            }

            @Override
            public List<TaskIndex.IndexEntry> newest(String tenant, Long afterMillis, String afterId, int count) {
                return index.newest(tenant, afterMillis, afterId, count);
            }

            @Override
            public void unindex(String tenant, String taskId) {
                index.unindex(tenant, taskId);
            }

            @Override
            public int registeredExamples(String taskId) {
                return store.registration(taskId).map(r -> r.examples().size()).orElse(0);
            }

            @Override
            public int addExamples(String taskId, int registered, List<Example> examples, List<Example> validation,
                                   int maxExamples) {
                return exampleStore.addExamples(taskId, registered, examples, validation, maxExamples);
            }

            @Override
            public void saveValidation(String taskId, List<Example> validation) {
                exampleStore.saveValidation(taskId, validation);
            }

            @Override
            public int queueRefinement(String tenant, String taskId, int steps, int maxPerTenant) {
                return refinements.queueRefinement(tenant, taskId, steps, maxPerTenant);
            }

            @Override
            public Optional<Refinements.Refinement> refinement(String taskId) {
                return refinements.refinement(taskId);
            }

            @Override
            public void refinementEnded(String tenant, String taskId) {
                refinements.refinementEnded(tenant, taskId, Refinements.Refinement.REJECTED);
            }

            @Override
            public List<PromptVersion> versions(String taskId) {
                return prompts.versions(taskId);
            }

            @Override
            public Optional<Set<PromptDesign>> servedDesigns() {
                return designs.get();
            }
        };
    }
}
