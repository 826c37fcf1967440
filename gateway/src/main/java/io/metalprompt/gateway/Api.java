package io.metalprompt.gateway;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The JSON bodies of the public API (requests and responses), as records. */
public final class Api {

    private Api() {
    }

    @Schema(description = "One few-shot example: an input text and the output the task should give for it")
    public record ExampleBody(@Schema(required = true, example = "the film was a delight") String input,
                              @Schema(required = true, example = "positive") String output) {
    }

    @Schema(description = "A task to register: its examples become a prompt in one pass of the prompt generator")
    public record TaskRequest(
            @Schema(required = true, description = "The few-shot examples, at least one") List<ExampleBody> examples,
            @Schema(description = "The answers a prediction chooses from (at least two); default: the distinct example outputs in order of appearance")
            List<String> options,
            @Schema(description = "Prompt design", enumeration = {"DISCRETE", "WEIGHTED_SUM", "HIDDEN_STATE", "PREFIX"},
                    defaultValue = "PREFIX") String design,
            @Schema(description = "How many of the last examples stay as demonstrations in front of every request (0 to examples-1)",
                    defaultValue = "0") Integer demonstrations,
            @Schema(description = "Examples kept out of the prompt, used only to score each version (macro-F1 and accuracy, "
                    + "beside in-context learning with the same examples). Without them, a task of at least 12 examples "
                    + "holds out every fourth example (at most 32) for the same purpose") List<ExampleBody> validation,
            @Schema(description = "Background refinement once the generated prompt is served: gradient steps on the task's "
                    + "examples, served if not worse on the validation examples (not for DISCRETE: 422)") RefineBody refine) {

        public TaskRequest(List<ExampleBody> examples, List<String> options, String design, Integer demonstrations) {
            this(examples, options, design, demonstrations, null, null);
        }
    }

    @Schema(description = "Background refinement: gradient steps on the task's examples")
    public record RefineBody(@Schema(description = "1 to 200") Integer steps) {
    }

    @Schema(description = "A task accepted for prompt generation")
    public record TaskAccepted(String id, String status, String statusUrl) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "A task and the state of its prompt")
    public record TaskView(String id,
                           @Schema(enumeration = {"pending", "ready", "failed"}) String status,
                           String design,
                           @Schema(description = "Prompt length (ready tasks)") Integer k,
                           @Schema(description = "PGM version that generated the prompt (ready tasks)") String pgmVersion,
                           @Schema(description = "The readable prompt (DISCRETE design, ready tasks)") String promptText,
                           @Schema(description = "Why generation failed (failed tasks)") String reason,
                           List<String> options,
                           String createdAt,
                           @Schema(description = "Examples the served version has seen (GET of one task)") Integer examples,
                           @Schema(description = "Number of the served prompt version (ready tasks)") Integer version,
                           @Schema(description = "Every prompt version, oldest first (GET of one task only)") List<VersionView> versions,
                           @Schema(description = "The task's background refinement, if one was asked for (GET of one task only)") RefineView refine) {
        public TaskView(String id, String status, String design, Integer k, String pgmVersion, String promptText,
                        String reason, List<String> options, String createdAt) {
            this(id, status, design, k, pgmVersion, promptText, reason, options, createdAt, null, null, null, null);
        }

        public TaskView(String id, String status, String design, Integer k, String pgmVersion, String promptText,
                        String reason, List<String> options, String createdAt, Integer examples, Integer version,
                        List<VersionView> versions) {
            this(id, status, design, k, pgmVersion, promptText, reason, options, createdAt, examples, version, versions, null);
        }
    }

    @Schema(description = "A task's background refinement")
    public record RefineView(int steps, @Schema(enumeration = {"queued", "running", "done", "rejected"}) String status) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "One prompt version of a task")
    public record VersionView(@Schema(description = "1 = the first generated prompt") int number,
                              @Schema(enumeration = {"generated", "examples", "refined", "rollout"}) String source,
                              Integer examplesSeen, String pgmVersion, String createdAt,
                              @Schema(description = "True for the version requests are answered with") boolean served,
                              @Schema(description = "Scores on the validation examples; null until scored or without validation examples", nullable = true)
                              QualityView quality,
                              @Schema(description = "Why the version was never served: it scored worse than the served one, could not be made, or finished after a later version was served") String rejected) {
    }

    @Schema(description = "A version's scores on the task's validation examples, beside in-context learning with the same examples")
    public record QualityView(double macroF1, double accuracy, Double iclMacroF1, Double iclAccuracy, int validationExamples) {
    }

    @Schema(description = "More examples for a task; its next prompt version is made from the served one and these")
    public record ExamplesRequest(@Schema(required = true, description = "At least one example; outputs among the task's options") List<ExampleBody> examples,
                                  @Schema(description = "Examples kept out of the prompt, to score versions") List<ExampleBody> validation) {
    }

    @Schema(description = "A prompt version being made; served once it is stored (and not worse on the validation examples)")
    public record VersionAccepted(String id, int version, String statusUrl) {
    }

    @Schema(description = "One page of the tenant's tasks, newest first")
    public record TaskPage(@Schema(description = "The tasks of this page (without their versions)") List<TaskView> tasks,
                           @Schema(description = "Pass as cursor for the next page; null on the last page", nullable = true)
                           String nextCursor) {
    }

    @Schema(description = "Inputs to answer with a ready task's prompt")
    public record PredictionRequest(@Schema(required = true, description = "At least one non-blank input") List<String> inputs) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "The answer for one input: the chosen option with every option's log-likelihood, or generated text")
    public record PredictionBody(String input, String choice, Map<String, Double> scores, String text) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "Answers, in the order of the inputs")
    public record PredictionResponse(String taskId, String pgmVersion,
                                     @Schema(description = "The prompt version that answered") Integer version,
                                     List<PredictionBody> predictions) {
    }

    @Schema(description = "What was used: inputs answered, positions the LM read for them (prompt, demonstrations, "
            + "inputs and options), prompts generated, refinement steps run, and bytes stored now (prompt artifacts and examples)")
    public record Counts(long inputsAnswered, long tokensRead, long promptGenerations, long refinementSteps,
                         long bytesStored) {
    }

    @Schema(description = "One task's share of the usage")
    public record TaskUsage(String taskId, long inputsAnswered, long tokensRead, long promptGenerations,
                            long refinementSteps, long bytesStored) {
    }

    @Schema(description = "What the tenant used on the UTC days from..to, inclusive; each answered request counted once")
    public record Usage(String tenant, @Schema(example = "2026-12-01") String from, @Schema(example = "2026-12-04") String to,
                        Counts totals, List<TaskUsage> tasks) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "RFC 9457 problem details (media type application/problem+json)")
    public record Problem(String type, String title, int status, String detail, String instance) {
    }
}
