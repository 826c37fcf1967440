package io.metalprompt.client;

/** The answer to a registration (202): the new task's id; its prompt is generated in the background. */
public record TaskAccepted(String id, TaskStatus status, String statusUrl) {
}
