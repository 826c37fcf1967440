package io.metalprompt.client;

import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A task to register ({@code POST /v1/tasks}). Only {@code examples} is required; a field left null is not sent, so
 * the gateway applies its default (options: the distinct outputs in order; design {@code PREFIX}; no demonstrations)
 * and a gateway that does not know a newer field (validation, refine: issue 16) is not sent one it would refuse.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskRequest(List<Example> examples, List<String> options, String design, Integer demonstrations,
                          List<Example> validation, Refinement refine) {

    public TaskRequest {
        Objects.requireNonNull(examples, "examples");
        examples = List.copyOf(examples);
        options = options == null ? null : List.copyOf(options);
        validation = validation == null ? null : List.copyOf(validation);
    }

    /** A request with only these examples; the {@code with...} methods add the rest. */
    public static TaskRequest of(List<Example> examples) {
        return new TaskRequest(examples, null, null, null, null, null);
    }

    public TaskRequest withOptions(List<String> options) {
        return new TaskRequest(examples, options, design, demonstrations, validation, refine);
    }

    public TaskRequest withDesign(String design) {
        return new TaskRequest(examples, options, design, demonstrations, validation, refine);
    }

    public TaskRequest withDemonstrations(int demonstrations) {
        return new TaskRequest(examples, options, design, demonstrations, validation, refine);
    }

    /** Examples kept out of the prompt and used only to score each version (16). */
    public TaskRequest withValidation(List<Example> validation) {
        return new TaskRequest(examples, options, design, demonstrations, validation, refine);
    }

    /** Background refinement once the generated prompt is served (16). */
    public TaskRequest withRefine(Refinement refine) {
        return new TaskRequest(examples, options, design, demonstrations, validation, refine);
    }
}
