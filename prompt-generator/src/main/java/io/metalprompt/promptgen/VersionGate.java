package io.metalprompt.promptgen;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.metalprompt.events.Example;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.store.ExampleStore;
import io.metalprompt.store.PromptVersion;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskRecord;

/**
 * The not-worse gate of prompt versions (issue 16): a version made from more examples or by refinement gets a quality
 * report on the task's validation examples ({@link QualityScorer}), and replaces the served version only if its
 * macro-F1 there is not below the served one's; else it is recorded as rejected with the reason. Plain Java, shared by
 * {@link PromptTaskHandler} and {@link Refiner}.
 */
public final class VersionGate {

    private final TaskPrompts prompts;
    private final ExampleStore examples;
    private final QualityScorer quality;

    /** {@code quality}: null for no reports and no gate (every version is served). */
    public VersionGate(TaskPrompts prompts, ExampleStore examples, QualityScorer quality) {
        this.prompts = prompts;
        this.examples = examples;
        this.quality = quality;
    }

    /**
     * Serves the stored {@code version} (moves the task's pointer in one step) unless it is worse than the served one
     * on the validation examples: then it is recorded as rejected, and the reason returned. A version that finished
     * after a later one was served (a refinement and added examples racing) is recorded as rejected with that reason;
     * one whose task is no longer ready is only reported (a deleted task gets nothing written back). Serving the
     * version the task already serves (a record read again after a crash) counts as served.
     */
    public Optional<String> serveIfNotWorse(TaskRegistered registration, TaskRecord served, PromptVersion version, int k,
                                     String text) {
        Optional<String> worse = worseThanServed(registration, served, version);
        if (worse.isPresent()) {
            prompts.saveVersion(served.taskId(), version.withRejected(worse.get()), null);
            return worse;
        }
        TaskPrompts.Pointer pointer = prompts.servePromptVersion(served.taskId(), version.number(), version.pgmVersion(),
                k, text);
        if (pointer.moved() || pointer.served() == version.number()) {
            return Optional.empty();
        }
        if (pointer.served() == 0) {
            return Optional.of("the task was no longer ready when version " + version.number() + " finished");
        }
        String later = "version " + pointer.served() + " was served before this version finished, and stays served";
        prompts.rewriteVersion(served.taskId(), version.withRejected(later));
        return Optional.of(later);
    }

    /** The version's quality report, or null without validation examples (or a scorer). */
    public PromptVersion.Quality score(TaskRegistered task, List<Example> training, byte[] artifact) {
        if (quality == null) {
            return null;
        }
        List<Example> validation = examples.validation(task.taskId());
        return validation.isEmpty() ? null : quality.score(task, training, artifact, validation);
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
        Optional<PromptVersion> current = prompts.version(served.taskId(), served.servedVersion());
        PromptVersion.Quality bar = current.map(PromptVersion::quality).orElse(null);
        if (bar == null) {
            byte[] artifact = prompts.artifactFor(served).orElse(null);
            int seen = current.map(PromptVersion::examplesSeen).orElse(task.examples().size());
            List<Example> training = new java.util.ArrayList<>(task.examples());
            List<Example> added = examples.addedExampleList(task.taskId());
            training.addAll(added.subList(0, Math.max(0, Math.min(added.size(), seen - task.examples().size()))));
            bar = artifact == null ? null : score(task, training, artifact);
            if (bar != null && current.isPresent()) {
                PromptVersion c = current.get();
                prompts.saveVersion(served.taskId(), new PromptVersion(c.number(), c.source(), c.examplesSeen(),
                        c.pgmVersion(), c.createdAt(), bar, c.rejected()), null);
            }
        }
        if (bar == null || version.quality().macroF1() >= bar.macroF1()) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "macro-F1 %.3f below the served %.3f",
                version.quality().macroF1(), bar.macroF1()));
    }
}
