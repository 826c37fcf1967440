package io.metalprompt.client;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A task and the state of its prompt ({@code GET /v1/tasks/{id}}, and the entries of a {@link TaskPage}). A field the
 * gateway does not send is null: {@code k}, {@code pgmVersion} for a task not ready, {@code promptText} outside the
 * DISCRETE design, {@code reason} unless failed; {@code examples}, {@code version}, {@code versions} and {@code refine}
 * come with issue 16, and {@code versions} only from {@code GET /v1/tasks/{id}}.
 */
public record TaskView(String id, TaskStatus status, String design, Integer k, String pgmVersion, String promptText,
                       String reason, List<String> options, Instant createdAt, Integer examples, Integer version,
                       List<Version> versions, RefineState refine) {

    /** The version requests are answered with, when the gateway lists versions. */
    public Optional<Version> servedVersion() {
        return versions == null ? Optional.empty() : versions.stream().filter(Version::served).findFirst();
    }
}
