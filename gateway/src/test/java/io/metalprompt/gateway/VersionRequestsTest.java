package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Asking for a task's next prompt version ({@link VersionRequests}): from more examples. */
class VersionRequestsTest extends TaskUseCaseTest {

    private static final Api.ExamplesRequest MORE = new Api.ExamplesRequest(
            List.of(new Api.ExampleBody("fine", "positive"), new Api.ExampleBody("awful", "negative")), null);

    @Test
    void examplesForAReadyTaskAreTheNextVersionAndPublished() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        assertEquals(new Api.VersionAccepted(ID_1, 2, "/v1/tasks/" + ID_1), versions.addExamples("acme", ID_1, MORE));
        io.metalprompt.events.TaskExamplesAdded event =
                assertInstanceOf(io.metalprompt.events.TaskExamplesAdded.class, published.get(1));
        assertEquals(2, event.version());
        assertEquals(2, event.examples().size());
    }

    @Test
    void examplesBeyondWhatATaskMayHoldAre413AndAddNothing() {
        service.register("acme", REQUEST);   // 2 examples; the test limit is 10
        store.ready(ID_1);
        versions.addExamples("acme", ID_1, MORE);
        versions.addExamples("acme", ID_1, MORE);
        versions.addExamples("acme", ID_1, MORE);
        assertEquals(413, assertThrows(ApiException.class, () -> versions.addExamples("acme", ID_1,
                new Api.ExamplesRequest(MORE.examples(), MORE.examples()))).status());
        assertEquals(6, store.added.get(ID_1).size());
    }
}
