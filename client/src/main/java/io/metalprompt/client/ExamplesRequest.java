package io.metalprompt.client;

import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;

/** More examples for a task ({@code POST /v1/tasks/{id}/examples}, 16); validation examples are optional. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExamplesRequest(List<Example> examples, List<Example> validation) {

    public ExamplesRequest {
        Objects.requireNonNull(examples, "examples");
        examples = List.copyOf(examples);
        validation = validation == null ? null : List.copyOf(validation);
    }

    public static ExamplesRequest of(List<Example> examples) {
        return new ExamplesRequest(examples, null);
    }

    public ExamplesRequest withValidation(List<Example> validation) {
        return new ExamplesRequest(examples, validation);
    }
}
