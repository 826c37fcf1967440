package io.metalprompt.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.metalprompt.tasks.TaskExample;
import java.util.List;
import org.junit.jupiter.api.Test;

class IclFormatTest {

    private static TaskExample ex(String input, String output) {
        return new TaskExample("t", input, output, List.of("alpha", "beta"));
    }

    @Test
    void rendersDemonstrationsQueryAndAnswer() {
        assertEquals("the dog ran alpha ;", IclFormat.renderExample(ex("the dog ran", "alpha")));
        assertEquals("a cat beta ; red car alpha ;",
                IclFormat.renderDemonstrations(List.of(ex("a cat", "beta"), ex("red car", "alpha"))));
        assertEquals("", IclFormat.renderDemonstrations(List.of()));
        assertEquals("blue sky", IclFormat.renderQuery("blue sky"));
        assertEquals(" beta", IclFormat.renderAnswer("beta"));
        assertEquals("a cat beta ; blue sky", IclFormat.renderContext(List.of(ex("a cat", "beta")), "blue sky"));
        assertEquals("blue sky", IclFormat.renderContext(List.of(), "blue sky"));
        // Context plus answer is the demonstration text minus its terminator.
        assertEquals(IclFormat.renderExample("blue sky", "beta"),
                IclFormat.renderQuery("blue sky") + IclFormat.renderAnswer("beta") + " " + IclFormat.TERMINATOR);
        assertEquals(List.of("=", ";"), IclFormat.FORMAT_TOKENS);
    }
}
