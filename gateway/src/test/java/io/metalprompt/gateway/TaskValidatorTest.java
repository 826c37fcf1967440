package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.PromptDesign;

class TaskValidatorTest {

    private final TaskValidator validator = new TaskValidator(new Limits(4, 20, 3));

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
        assertEquals(400, assertThrows(ApiException.class, () -> validator.validateInputs(new Api.PredictionRequest(List.of()))).status());
        assertEquals(400, assertThrows(ApiException.class, () -> validator.validateInputs(new Api.PredictionRequest(Arrays.asList("a", null)))).status());
        assertEquals(413, assertThrows(ApiException.class, () -> validator.validateInputs(new Api.PredictionRequest(List.of("a", "b", "c", "d")))).status());
        assertEquals(List.of("a", "b"), validator.validateInputs(new Api.PredictionRequest(List.of("a", "b"))));
    }
}
