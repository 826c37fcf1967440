package io.metalprompt.events;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** A record on {@link Topics#TASK_REGISTRATIONS}, keyed by task id: a task registered, given more examples, to be refined, or deleted. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = TaskRegistered.class, name = "TaskRegistered"),
        @JsonSubTypes.Type(value = TaskDeleted.class, name = "TaskDeleted"),
        @JsonSubTypes.Type(value = TaskExamplesAdded.class, name = "TaskExamplesAdded"),
        @JsonSubTypes.Type(value = TaskRefineRequested.class, name = "TaskRefineRequested")})
public sealed interface TaskEvent permits TaskRegistered, TaskDeleted, TaskExamplesAdded, TaskRefineRequested {
    int schemaVersion();

    String taskId();

    String tenant();
}
