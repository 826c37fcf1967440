package io.metalprompt.client;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A task's state; {@link #UNKNOWN} stands for a status this client does not know yet. */
public enum TaskStatus {
    @JsonProperty("pending") PENDING,
    @JsonProperty("ready") READY,
    @JsonProperty("failed") FAILED,
    @JsonEnumDefaultValue UNKNOWN
}
