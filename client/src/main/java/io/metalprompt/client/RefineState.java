package io.metalprompt.client;

/** A task's background refinement (16): the steps asked for and its status ({@code queued}, {@code running}, {@code done}, {@code rejected}). */
public record RefineState(Integer steps, String status) {
}
