package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.Events;
import io.metalprompt.events.Example;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskRegistered;

class TaskValidatorTest {

    private final TaskValidator validator = new TaskValidator(new Limits(4, 20, 3, 3, 10, 6, 2_000));

    private static Api.ExampleBody ex(String input, String output) {
        return new Api.ExampleBody(input, output);
    }

    private static final List<Api.ExampleBody> TWO = List.of(ex("good film", "positive"), ex("bad film", "negative"));

    private ApiException refused(Api.TaskRequest request) {
        return assertThrows(ApiException.class, () -> validator.validate(request));
    }

    @Test
    void defaultsArePrefixDistinctOutputsAndNoDemonstrations() {
        TaskValidator.ValidTask task = validator.validate(new Api.TaskRequest(
                List.of(ex("a", "yes"), ex("b", "no"), ex("c", "yes")), null, null, null));
        assertEquals(PromptDesign.PREFIX, task.design());
        assertEquals(List.of("yes", "no"), task.options());
        assertEquals(0, task.demonstrations());
    }

    @Test
    void designIsReadCaseInsensitively() {
        assertEquals(PromptDesign.DISCRETE, validator.validate(new Api.TaskRequest(TWO, null, "discrete", 1)).design());
    }

    @Test
    void missingBodyIs400() {
        assertEquals(400, refused(null).status());
    }

    @Test
    void emptyExamplesAre400() {
        assertEquals(400, refused(new Api.TaskRequest(List.of(), null, null, null)).status());
    }

    @Test
    void blankOutputIs400AndNamesTheExample() {
        ApiException e = refused(new Api.TaskRequest(List.of(ex("a", "x"), ex("b", " ")), null, null, null));
        assertEquals(400, e.status());
        assertTrue(e.detail().contains("examples[1].output"), e.detail());
    }

    @Test
    void tooManyExamplesAre413() {
        List<Api.ExampleBody> five = Collections.nCopies(5, ex("a", "b"));
        assertEquals(413, refused(new Api.TaskRequest(five, null, null, null)).status());
    }

    @Test
    void tooLongInputIs413() {
        ApiException e = refused(new Api.TaskRequest(List.of(ex("x".repeat(21), "a"), ex("b", "c")), null, null, null));
        assertEquals(413, e.status());
        assertTrue(e.detail().contains("examples[0].input has 21 characters; the limit is 20"), e.detail());
    }

    @Test
    void unknownDesignIs422AndListsTheValidOnes() {
        ApiException e = refused(new Api.TaskRequest(TWO, null, "FANCY", null));
        assertEquals(422, e.status());
        assertTrue(e.detail().contains("DISCRETE, WEIGHTED_SUM, HIDDEN_STATE, PREFIX"), e.detail());
    }

    @Test
    void outputOutsideTheOptionsIs422AndNamesTheExample() {
        ApiException e = refused(new Api.TaskRequest(TWO, List.of("positive", "neutral"), null, null));
        assertEquals(422, e.status());
        assertTrue(e.detail().contains("examples[1].output 'negative'"), e.detail());
    }

    @Test
    void fewerThanTwoOptionsAre422() {
        assertEquals(422, refused(new Api.TaskRequest(TWO, List.of("positive"), null, null)).status());
    }

    @Test
    void onlyOneDistinctOutputWithoutOptionsIs422() {
        assertEquals(422, refused(new Api.TaskRequest(List.of(ex("a", "y"), ex("b", "y")), null, null, null)).status());
    }

    @Test
    void demonstrationsMustLeaveOneExampleForThePromptGenerator() {
        ApiException e = refused(new Api.TaskRequest(TWO, null, null, 2));
        assertEquals(422, e.status());
        assertTrue(e.detail().contains("between 0 and 1"), e.detail());
        assertEquals(422, refused(new Api.TaskRequest(TWO, null, null, -1)).status());
    }

    @Test
    void predictionInputsAreChecked() {
        assertEquals(400, assertThrows(ApiException.class, () -> validator.validateInputs(new Api.PredictionRequest(List.of()), 2)).status());
        assertEquals(400, assertThrows(ApiException.class, () -> validator.validateInputs(new Api.PredictionRequest(Arrays.asList("a", null)), 2)).status());
        assertEquals(413, assertThrows(ApiException.class, () -> validator.validateInputs(new Api.PredictionRequest(List.of("a", "b", "c", "d")), 2)).status());
        assertEquals(List.of("a", "b"), validator.validateInputs(new Api.PredictionRequest(List.of("a", "b")), 2));
    }

    /** Spaces of every kind, controls and invisible format characters only: a 400, never sent to a worker. */
    @Test
    void textWithNothingVisibleAfterNormalisationIs400() {
        for (String blank : List.of("\u00a0", "\u00a0\u00a0 \u2007\u202f", "\u3000", "\u200b\ufeff", "\t\u0000\n",
                "\u2028\u2029", "\u00a0\u200d")) {
            ApiException e = assertThrows(ApiException.class,
                    () -> validator.validateInputs(new Api.PredictionRequest(List.of("ok", blank)), 2));
            assertEquals(400, e.status(), () -> blank.codePoints().mapToObj(Integer::toHexString).toList().toString());
            assertTrue(e.detail().startsWith("inputs[1] must be a non-blank string"), e.detail());
            assertEquals(400, refused(new Api.TaskRequest(List.of(ex("a", "x"), ex(blank, "y")), null, null, null)).status());
            assertEquals(400, refused(new Api.TaskRequest(TWO, List.of("positive", "negative", blank), null, null)).status());
        }
        assertEquals(List.of("\u00a0x\u00a0", "\u00e9", "\ufb01"),
                validator.validateInputs(new Api.PredictionRequest(List.of("\u00a0x\u00a0", "\u00e9", "\ufb01")), 2),
                "visible text is kept as it was sent");
    }

    @Test
    void optionsAreBoundedInNumberAndLength() {
        List<Api.ExampleBody> examples = List.of(ex("a", "w"), ex("b", "x"), ex("c", "y"), ex("d", "z"));
        ApiException derived = refused(new Api.TaskRequest(examples, null, null, null));
        assertEquals(413, derived.status());
        assertTrue(derived.detail().contains("4 different outputs") && derived.detail().contains("at most 3 options "
                + "(metal.gateway.max-options-per-task)"), derived.detail());
        ApiException listed = refused(new Api.TaskRequest(TWO, List.of("positive", "negative", "a", "b"), null, null));
        assertEquals(413, listed.status());
        assertTrue(listed.detail().contains("at most 3 options (metal.gateway.max-options-per-task); this one has 4"),
                listed.detail());
        ApiException longOption = refused(new Api.TaskRequest(TWO, List.of("positive", "negative", "x".repeat(11)), null, null));
        assertEquals(413, longOption.status());
        assertTrue(longOption.detail().contains("options[2] has 11 characters; the limit is 10 (metal.gateway.max-option-chars)"),
                longOption.detail());
        ApiException longOutput = refused(new Api.TaskRequest(List.of(ex("a", "y".repeat(11)), ex("b", "n")), null, null, null));
        assertEquals(413, longOutput.status());
        assertTrue(longOutput.detail().contains("examples[0].output has 11 characters; an output is one of the task's "
                + "options, whose limit is 10 (metal.gateway.max-option-chars)"), longOutput.detail());
        assertEquals(List.of("w", "x", "y"), validator.validate(new Api.TaskRequest(examples.subList(0, 3), null, null, null))
                .options());
    }

    /** A result carries a score per input and option: with 3 options at most 2 inputs fit the 6 scores of a call. */
    @Test
    void inputsTimesOptionsAreBounded() {
        assertEquals(List.of("a", "b"), validator.validateInputs(new Api.PredictionRequest(List.of("a", "b")), 3));
        ApiException e = assertThrows(ApiException.class,
                () -> validator.validateInputs(new Api.PredictionRequest(List.of("a", "b", "c")), 3));
        assertEquals(413, e.status());
        assertTrue(e.detail().contains("this task has 3 options, so one call may carry at most 2 inputs")
                && e.detail().contains("metal.gateway.max-scores-per-call is 6"), e.detail());
        assertEquals(3, validator.validateInputs(new Api.PredictionRequest(List.of("a", "b", "c")), 2).size());
    }

    @Test
    void aRegistrationLargerThanItsRecordLimitIs413() {
        TaskValidator.ValidTask task = validator.validate(new Api.TaskRequest(TWO, null, null, null));
        TaskRegistered small = new TaskRegistered(Events.SCHEMA_VERSION, "t", "acme", task.examples(), task.options(),
                task.design(), 0, Instant.EPOCH);
        validator.checkRecordSize(small);
        List<Example> many = Collections.nCopies(40, new Example("x".repeat(20), "positive"));
        TaskRegistered large = new TaskRegistered(Events.SCHEMA_VERSION, "t", "acme", many, task.options(),
                task.design(), 0, Instant.EPOCH);
        ApiException e = assertThrows(ApiException.class, () -> validator.checkRecordSize(large));
        assertEquals(413, e.status());
        assertTrue(e.detail().contains("the limit is 2000 bytes (metal.gateway.max-registration-size)"), e.detail());
    }
}
