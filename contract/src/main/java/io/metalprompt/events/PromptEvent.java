package io.metalprompt.events;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** A record on {@link Topics#PROMPT_EVENTS}, keyed by task id: a prompt stored, or generation failed. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = PromptReady.class, name = "PromptReady"),
        @JsonSubTypes.Type(value = PromptFailed.class, name = "PromptFailed")})
public sealed interface PromptEvent permits PromptReady, PromptFailed {
    int schemaVersion();

    String taskId();

    String tenant();
}
