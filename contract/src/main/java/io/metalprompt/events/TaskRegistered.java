package io.metalprompt.events;

import java.time.Instant;
import java.util.List;

/**
 * A user's task: its examples become a prompt in one PGM pass. The last {@code demonstrations} examples
 * stay as XL demonstrations in front of every request; the others (XP) go to the PGM.
 * {@code options} is empty for a generation task (answers are generated text).
 */
public record TaskRegistered(int schemaVersion, String taskId, String tenant, List<Example> examples,
                             List<String> options, PromptDesign design, int demonstrations,
                             Instant registeredAt) implements TaskEvent {
    public TaskRegistered {
        Events.requireVersion(schemaVersion);
        Events.requireId(taskId, "taskId");
        Events.requireId(tenant, "tenant");
        Events.require(examples != null && !examples.isEmpty(), "examples must not be empty");
        Events.require(design != null, "design is required");
        options = options == null ? List.of() : List.copyOf(options);
        examples = List.copyOf(examples);
        Events.require(demonstrations >= 0 && demonstrations <= examples.size(),
                "demonstrations must be between 0 and the number of examples (" + examples.size() + ")");
        Events.require(registeredAt != null, "registeredAt is required");
    }
}
