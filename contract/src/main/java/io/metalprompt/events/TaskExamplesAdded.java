package io.metalprompt.events;

import java.time.Instant;
import java.util.List;

/**
 * More examples for a ready task ({@code POST /v1/tasks/{id}/examples}): the prompt-generator makes prompt version
 * {@code version} by iterative generation from the served prompt and these examples, stores it, and moves the task to
 * it once stored. {@code validation} (maybe empty) are examples kept out of the prompt, for scoring versions.
 */
public record TaskExamplesAdded(int schemaVersion, String taskId, String tenant, int version, List<Example> examples,
                                List<Example> validation, Instant addedAt) implements TaskEvent {
    public TaskExamplesAdded {
        Events.requireVersion(schemaVersion);
        Events.requireId(taskId, "taskId");
        Events.requireId(tenant, "tenant");
        Events.require(version >= 2, "version must be 2 or more (1 is the generated prompt)");
        Events.require(examples != null && !examples.isEmpty(), "examples must not be empty");
        examples = List.copyOf(examples);
        validation = validation == null ? List.of() : List.copyOf(validation);
        Events.require(addedAt != null, "addedAt is required");
    }
}
