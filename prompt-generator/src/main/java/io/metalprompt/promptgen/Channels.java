package io.metalprompt.promptgen;

/** Channel names of the prompt-generator (topics are set in application.properties). */
public final class Channels {
    public static final String TASK_REGISTRATIONS = "task-registrations";
    public static final String PROMPT_EVENTS = "prompt-events";
    /** Task records that do not decode, each with its reason ({@code metal.task-registrations.dlq}). */
    public static final String REGISTRATIONS_DEAD_LETTERS = "registrations-dead-letters";
    public static final String MODEL_EVENTS = "model-events";
    /** The refiner's own consumer group on the registrations topic (background refinement). */
    public static final String REFINEMENTS = "refinements";

    private Channels() {
    }
}
