package io.metalprompt.worker;

import java.util.List;

import io.metalprompt.events.TaskRegistered;
import io.metalprompt.lm.KvCache;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.prompt.GeneratedPrompt;
import io.metalprompt.prompt.PromptArtifact;
import io.metalprompt.prompt.PromptConditioner;
import io.metalprompt.prompt.TaskExamples;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.text.IclFormat;

/**
 * Builds a task's serving prefix from its stored artifact: the prompt's keys/values (PREFIX) or the LM's
 * keys/values over the prompt (other designs), extended by the task's XL demonstrations — the same
 * {@link PromptConditioner#prefix} the evaluation uses. Public for the serving benchmark ({@code bench/}), which
 * runs the worker's engine in-process.
 */
public final class ArtifactPrefixLoader implements InferenceEngine.PrefixLoader {

    private final TaskStore store;
    private final TaskPrompts prompts;
    private final LanguageModel model;
    private final LmTokenizer tokenizer;
    private final String fingerprint;

    public ArtifactPrefixLoader(TaskStore store, TaskPrompts prompts, LanguageModel model, LmTokenizer tokenizer) {
        this.store = store;
        this.prompts = prompts;
        this.model = model;
        this.tokenizer = tokenizer;
        this.fingerprint = model.fingerprint();
    }

    @Override
    public PrefixCache.Entry load(TaskRecord task) {
        byte[] bytes = prompts.artifactFor(task).orElseThrow(() -> new IllegalStateException(
                "task " + task.taskId() + " is ready but its prompt (version " + task.servedVersion() + ", PGM "
                        + task.pgmVersion() + ") is not in Redis"));
        PromptArtifact artifact = PromptArtifact.fromBytes(bytes);
        if (!fingerprint.equals(artifact.baseFingerprint())) {
            throw new IllegalStateException("the prompt of task " + task.taskId() + " was made for another base model ("
                    + artifact.baseFingerprint().substring(0, 12) + ") than this worker serves (" + fingerprint.substring(0, 12) + ")");
        }
        List<TaskExample> xl = store.registration(task.taskId())
                .map(r -> PromptConditioner.xl(TaskExamples.of((TaskRegistered) r), r.demonstrations()))
                .orElse(List.of());
        KvCache prefix;
        try (GeneratedPrompt prompt = artifact.toPrompt(model.manager())) {
            prefix = PromptConditioner.prefix(model, tokenizer, prompt, xl);
        }
        long[][] optionIds = task.options().stream().map(o -> tokenizer.encode(IclFormat.renderAnswer(o)))
                .toArray(long[][]::new);
        return new PrefixCache.Entry(prefix, optionIds, PrefixCache.sizeOf(prefix));
    }
}
