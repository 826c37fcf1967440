package io.metalprompt.promptgen;

import io.metalprompt.events.TaskRegistered;

/** Turns a registration into a stored prompt artifact: the model side of the prompt-generator. */
public interface PromptFactory {

    /**
     * A generated prompt: its length in positions, its readable text (DISCRETE, else null), its artifact bytes and
     * the version of the PGM that generated it.
     */
    record Result(int k, String text, byte[] artifact, String pgmVersion) {
    }

    /** A task's prompt, or the reason (for the user) why it gets none. */
    record Outcome(Result result, String failure) {
        public static Outcome of(Result result) {
            return new Outcome(result, null);
        }

        public static Outcome failed(String reason) {
            return new Outcome(null, reason);
        }
    }

    /** The version of the PGM that generates prompts of {@code design} now. */
    String pgmVersion(io.metalprompt.events.PromptDesign design);

    /**
     * Generates the task's prompt. Throws {@link IllegalArgumentException} with a message for the user when the
     * task cannot get one (for example a design this PGM was not trained for, or examples that do not fit).
     */
    Result generate(TaskRegistered task);

    /**
     * Every task's prompt, or why it gets none, one outcome per task in order; a task that cannot get one fails alone.
     * A factory that can batches the tasks' passes (a burst of registrations); this one generates them one by one.
     */
    default java.util.List<Outcome> generateAll(java.util.List<TaskRegistered> tasks) {
        java.util.List<Outcome> out = new java.util.ArrayList<>();
        for (TaskRegistered task : tasks) {
            try {
                out.add(Outcome.of(generate(task)));
            } catch (IllegalArgumentException e) {
                out.add(Outcome.failed(e.getMessage()));
            }
        }
        return out;
    }

    /**
     * The task's next prompt: iterative generation continued from {@code previous} (the served prompt's artifact)
     * over {@code examples} (the paper's mode: previous prompt plus new examples). Throws
     * {@link IllegalArgumentException} with a reason when it cannot (no PGM of the design, unreadable examples).
     */
    Result generateFrom(TaskRegistered task, byte[] previous, java.util.List<io.metalprompt.events.Example> examples);
}
