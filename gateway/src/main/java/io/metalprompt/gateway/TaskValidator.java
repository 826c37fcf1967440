package io.metalprompt.gateway;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Example;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskRegistered;

/**
 * Checks a registration or prediction request and fills in the defaults; plain Java. Status codes:
 * 400 for a missing or malformed part, 413 for a configured size limit, 422 for a well-formed request
 * whose values do not make a task (unknown design, output outside the options, ...).
 */
public final class TaskValidator {

    /** A registration with its defaults applied. */
    public record ValidTask(List<Example> examples, List<String> options, PromptDesign design, int demonstrations,
                            List<Example> validation, Integer refineSteps) {
    }

    /** Most gradient steps one refinement may ask for. */
    static final int MAX_REFINE_STEPS = 200;

    /** {@code refine.steps} when given: 1 to 200 (400); null when no refinement is asked for. */
    static Integer refineSteps(Api.RefineBody refine) {
        if (refine == null) {
            return null;
        }
        if (refine.steps() == null || refine.steps() < 1 || refine.steps() > MAX_REFINE_STEPS) {
            throw ApiException.badRequest("refine must be {\"steps\": N} with N from 1 to " + MAX_REFINE_STEPS);
        }
        return refine.steps();
    }

    /** A task of at least this many examples, registered without validation examples, holds some out. */
    static final int HOLD_OUT_FROM = 12;
    /** Every this-many-th example is held out ... */
    static final int HOLD_OUT_EVERY = 4;
    /** ... and at most this many. */
    static final int HOLD_OUT_MAX = 32;

    private static final String VALID_DESIGNS =
            Arrays.stream(PromptDesign.values()).map(Enum::name).collect(Collectors.joining(", "));

    private final Limits limits;

    public TaskValidator(Limits limits) {
        this.limits = limits;
    }

    public ValidTask validate(Api.TaskRequest request) {
        if (request == null) {
            throw ApiException.badRequest("a JSON body is required: {\"examples\": [{\"input\": ..., \"output\": ...}], "
                    + "\"options\": [...], \"design\": ..., \"demonstrations\": ...}");
        }
        List<Api.ExampleBody> bodies = request.examples();
        if (bodies == null || bodies.isEmpty()) {
            throw ApiException.badRequest("examples must be a non-empty list of {\"input\", \"output\"} objects");
        }
        if (bodies.size() > limits.maxExamplesPerTask()) {
            throw ApiException.tooLarge("a task may have at most " + limits.maxExamplesPerTask() + " examples "
                    + "(metal.gateway.max-examples-per-task); this one has " + bodies.size());
        }
        List<Example> examples = new ArrayList<>(bodies.size());
        for (int i = 0; i < bodies.size(); i++) {
            examples.add(example(bodies.get(i), "examples[" + i + "]"));
        }

        PromptDesign design = design(request.design());
        List<String> options = options(request.options(), examples);

        Integer refineSteps = refineSteps(request.refine());
        if (refineSteps != null && design == PromptDesign.DISCRETE) {
            throw ApiException.unprocessable("a DISCRETE prompt is vocabulary tokens, with no continuous tensors for "
                    + "gradient refinement to change; refine takes WEIGHTED_SUM, HIDDEN_STATE and PREFIX tasks");
        }
        List<Example> validation;
        if (request.validation() != null) {
            validation = validateMore(request.validation(), options, "validation", false);
            if (examples.size() + validation.size() > limits.maxExamplesPerTask()) {
                throw ApiException.tooLarge("a task may hold at most " + limits.maxExamplesPerTask() + " examples "
                        + "(metal.gateway.max-examples-per-task, validation examples included); this one has "
                        + (examples.size() + validation.size()));
            }
        } else if (examples.size() >= HOLD_OUT_FROM) {
            // the documented hold-out: every fourth example (at most 32) scores the versions instead of making them
            List<Example> kept = new ArrayList<>();
            List<Example> held = new ArrayList<>();
            for (int i = 0; i < examples.size(); i++) {
                (i % HOLD_OUT_EVERY == HOLD_OUT_EVERY - 1 && held.size() < HOLD_OUT_MAX ? held : kept).add(examples.get(i));
            }
            examples = kept;
            validation = List.copyOf(held);
        } else {
            validation = List.of();
        }

        int demonstrations = request.demonstrations() == null ? 0 : request.demonstrations();
        if (demonstrations < 0 || demonstrations >= examples.size()) {
            throw ApiException.unprocessable("demonstrations is " + demonstrations + " but must be between 0 and "
                    + (examples.size() - 1) + " (the number of examples minus one: at least one example must go to "
                    + "the prompt generator" + (validation.isEmpty() || request.validation() != null ? ""
                    : "; " + validation.size() + " of the examples are held out to score the prompt, as no validation "
                    + "examples were given") + ")");
        }
        return new ValidTask(List.copyOf(examples), options, design, demonstrations, validation, refineSteps);
    }

    /**
     * Examples added to a task with {@code options} ({@code field}: {@code examples} or {@code validation}): each
     * input and output as at registration (400, 413), each output one of the options (422). Null or empty is a 400
     * when {@code required}, else no examples.
     */
    public List<Example> validateMore(List<Api.ExampleBody> bodies, List<String> options, String field, boolean required) {
        if (bodies == null || bodies.isEmpty()) {
            if (required) {
                throw ApiException.badRequest(field + " must be a non-empty list of {\"input\", \"output\"} objects");
            }
            return List.of();
        }
        if (bodies.size() > limits.maxExamplesPerTask()) {
            throw ApiException.tooLarge("a task may hold at most " + limits.maxExamplesPerTask() + " examples "
                    + "(metal.gateway.max-examples-per-task); " + field + " has " + bodies.size());
        }
        List<Example> examples = new ArrayList<>(bodies.size());
        for (int i = 0; i < bodies.size(); i++) {
            Example example = example(bodies.get(i), field + "[" + i + "]");
            if (!options.contains(example.output())) {
                throw ApiException.unprocessable(field + "[" + i + "].output '" + example.output() + "' is not one of "
                        + "the task's options " + options + "; a task's options are fixed at registration");
            }
            examples.add(example);
        }
        return List.copyOf(examples);
    }

    /**
     * The registration as the record it becomes on Kafka: 413 when it is larger than
     * {@code metal.gateway.max-registration-size} (the topic would refuse it, and retrying could not help).
     */
    public void checkRecordSize(io.metalprompt.events.TaskEvent event) {
        int bytes = EventCodec.encode(event).length;
        if (bytes > limits.maxRegistrationBytes()) {
            throw ApiException.tooLarge("the task's examples and options take " + bytes + " bytes as a registration "
                    + "record; the limit is " + limits.maxRegistrationBytes() + " bytes "
                    + "(metal.gateway.max-registration-size): register fewer or shorter examples");
        }
    }

    /**
     * The inputs of a prediction call for a task with {@code options} options, checked against the limits; the
     * result carries a score per input and option, so their product is bounded too.
     */
    public List<String> validateInputs(Api.PredictionRequest request, int options) {
        if (request == null || request.inputs() == null || request.inputs().isEmpty()) {
            throw ApiException.badRequest("a JSON body {\"inputs\": [\"...\"]} with at least one input is required");
        }
        List<String> inputs = request.inputs();
        if (inputs.size() > limits.maxInputsPerCall()) {
            throw ApiException.tooLarge("one call may carry at most " + limits.maxInputsPerCall() + " inputs "
                    + "(metal.gateway.max-inputs-per-call); this one has " + inputs.size() + ": split it into several calls");
        }
        if ((long) inputs.size() * Math.max(1, options) > limits.maxScoresPerCall()) {
            throw ApiException.tooLarge("this task has " + options + " options, so one call may carry at most "
                    + limits.maxScoresPerCall() / Math.max(1, options) + " inputs (a score per input and option; "
                    + "metal.gateway.max-scores-per-call is " + limits.maxScoresPerCall() + "); this one has "
                    + inputs.size() + ": split it into several calls");
        }
        for (int i = 0; i < inputs.size(); i++) {
            input(inputs.get(i), "inputs[" + i + "]");
        }
        return List.copyOf(inputs);
    }

    /** One example's input and output checked (400 missing or blank, 413 too long); {@code at} names it. */
    private Example example(Api.ExampleBody body, String at) {
        if (body == null) {
            throw ApiException.badRequest(at + " is null; every example needs an input and an output");
        }
        String input = input(body.input(), at + ".input");
        String output = text(body.output(), at + ".output", limits.maxOptionChars(),
                "an output is one of the task's options, whose limit is", "metal.gateway.max-option-chars");
        return new Example(input, output);
    }

    private String input(String value, String field) {
        return text(value, field, limits.maxInputChars(), "the limit is", "metal.gateway.max-input-chars");
    }

    private static String text(String value, String field, int maxChars, String limitIs, String setting) {
        if (value == null || isBlank(value)) {
            throw ApiException.badRequest(field + " must be a non-blank string (not only spaces, non-breaking spaces "
                    + "or other invisible characters)");
        }
        if (value.length() > maxChars) {
            throw ApiException.tooLarge(field + " has " + value.length() + " characters; " + limitIs + " " + maxChars
                    + " (" + setting + ")");
        }
        return value;
    }

    /**
     * True when nothing visible is left of {@code text} once it is normalised (NFKC, which also maps the non-breaking
     * and other compatibility spaces to a space) and every space, control and format character (zero-width space,
     * byte-order mark, ...) is set aside: such a text gives the model nothing to read, and retrying cannot help.
     */
    static boolean isBlank(String text) {
        return Normalizer.normalize(text, Normalizer.Form.NFKC).codePoints().allMatch(c -> Character.isWhitespace(c)
                || Character.isSpaceChar(c) || Character.getType(c) == Character.CONTROL
                || Character.getType(c) == Character.FORMAT);
    }

    private static PromptDesign design(String name) {
        if (name == null) {
            return PromptDesign.PREFIX;
        }
        try {
            return PromptDesign.valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.unprocessable("unknown design '" + name + "'; valid designs: " + VALID_DESIGNS);
        }
    }

    private List<String> options(List<String> given, List<Example> examples) {
        if (given == null) {
            List<String> distinct = List.copyOf(examples.stream().map(Example::output)
                    .collect(Collectors.toCollection(LinkedHashSet::new)));
            if (distinct.size() < 2) {
                throw ApiException.unprocessable("every example has the output '" + distinct.get(0)
                        + "': give examples with at least two different outputs, or list the options");
            }
            if (distinct.size() > limits.maxOptionsPerTask()) {
                throw ApiException.tooLarge("the examples have " + distinct.size() + " different outputs, which become "
                        + "the task's options; a task may have at most " + limits.maxOptionsPerTask() + " options "
                        + "(metal.gateway.max-options-per-task)");
            }
            return distinct;
        }
        if (given.size() < 2) {
            throw ApiException.unprocessable("options must list at least two answers; got " + given.size());
        }
        if (given.size() > limits.maxOptionsPerTask()) {
            throw ApiException.tooLarge("a task may have at most " + limits.maxOptionsPerTask() + " options "
                    + "(metal.gateway.max-options-per-task); this one has " + given.size());
        }
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < given.size(); i++) {
            String option = text(given.get(i), "options[" + i + "]", limits.maxOptionChars(), "the limit is",
                    "metal.gateway.max-option-chars");
            if (!seen.add(option)) {
                throw ApiException.unprocessable("options[" + i + "] '" + option + "' appears twice; list each option once");
            }
        }
        for (int i = 0; i < examples.size(); i++) {
            String output = examples.get(i).output();
            if (!seen.contains(output)) {
                throw ApiException.unprocessable("examples[" + i + "].output '" + output + "' is not one of the options "
                        + given + "; fix the output or add it to the options");
            }
        }
        return List.copyOf(given);
    }
}
