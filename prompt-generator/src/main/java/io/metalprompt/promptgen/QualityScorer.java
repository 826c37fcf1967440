package io.metalprompt.promptgen;

import java.util.List;

import io.metalprompt.eval.Conditioners;
import io.metalprompt.eval.Evaluator;
import io.metalprompt.eval.Metrics;
import io.metalprompt.events.Example;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.lm.KvCache;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.prompt.GeneratedPrompt;
import io.metalprompt.prompt.PromptArtifact;
import io.metalprompt.prompt.PromptConditioner;
import io.metalprompt.prompt.TaskConditioner;
import io.metalprompt.prompt.TaskExamples;
import io.metalprompt.store.PromptVersion;
import io.metalprompt.tasks.TaskExample;

/**
 * A prompt version's quality report: its macro-F1 and accuracy on the task's validation examples, served exactly as the
 * worker serves it (the stored artifact and the task's XL demonstrations as the prefix), beside in-context learning
 * with the examples the version was made from. The same {@link Evaluator} as {@code metal eval}, so a report matches
 * the evaluation for the same examples.
 */
public class QualityScorer {

    private final LanguageModel model;
    private final LmTokenizer tokenizer;

    public QualityScorer(LanguageModel model, LmTokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /**
     * The report of {@code artifact} (a prompt of {@code task}) on {@code validation}, with ICL over {@code training};
     * null when there are no validation examples or they cannot be scored (an input too long for the model).
     */
    public PromptVersion.Quality score(TaskRegistered task, List<Example> training, byte[] artifact,
                                       List<Example> validation) {
        if (validation.isEmpty() || task.options().isEmpty()) {
            return null;
        }
        List<TaskExample> train = of(task, training);
        List<TaskExample> test = of(task, validation);
        List<TaskExample> xl = PromptConditioner.xl(TaskExamples.of(task), task.demonstrations());
        TaskConditioner version = new TaskConditioner() {
            @Override
            public KvCache condition(List<TaskExample> examples) {
                try (GeneratedPrompt prompt = PromptArtifact.fromBytes(artifact).toPrompt(model.manager())) {
                    return PromptConditioner.prefix(model, tokenizer, prompt, xl);
                }
            }

            @Override
            public String name() {
                return "version";
            }
        };
        try {
            Evaluator evaluator = new Evaluator(model, tokenizer);
            Metrics.Score served = evaluator.evaluate(train, test, version);
            Metrics.Score icl = evaluator.evaluate(train, test, Conditioners.icl(model, tokenizer, Conditioners.QUERY_RESERVE));
            return new PromptVersion.Quality(served.macroF1(), served.accuracy(), icl.macroF1(), icl.accuracy(), test.size());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static List<TaskExample> of(TaskRegistered task, List<Example> examples) {
        return examples.stream().map(e -> new TaskExample(task.taskId(), e.input(), e.output(), task.options())).toList();
    }
}
