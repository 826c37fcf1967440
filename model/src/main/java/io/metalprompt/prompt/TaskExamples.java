package io.metalprompt.prompt;

import java.util.List;

import io.metalprompt.events.TaskRegistered;
import io.metalprompt.tasks.TaskExample;

/** A registered task's examples in the form the PGM and the evaluation read them. */
public final class TaskExamples {

    private TaskExamples() {
    }

    public static List<TaskExample> of(TaskRegistered task) {
        return task.examples().stream()
                .map(e -> new TaskExample(task.taskId(), e.input(), e.output(), task.options()))
                .toList();
    }
}
