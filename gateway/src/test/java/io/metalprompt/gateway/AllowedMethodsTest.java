package io.metalprompt.gateway;

import io.metalprompt.events.TaskIds;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class AllowedMethodsTest {

    private final AllowedMethods allowed = new AllowedMethods(List.of(TaskResource.class));

    @Test
    void eachPathOfTheApiHasItsMethods() {
        assertEquals(Set.of("GET", "HEAD", "POST", "OPTIONS"), allowed.of("/v1/tasks"));
        assertEquals(Set.of("GET", "HEAD", "POST", "OPTIONS"), allowed.of("/v1/tasks/"));
        assertEquals(Set.of("GET", "HEAD", "DELETE", "OPTIONS"), allowed.of("/v1/tasks/" + TaskIds.next()));
        assertEquals(Set.of("GET", "HEAD", "DELETE", "OPTIONS"), allowed.of("/v1/tasks/anything"));
        assertEquals(Set.of("POST", "OPTIONS"), allowed.of("/v1/tasks/x/predictions"));
        assertEquals(Set.of("POST", "OPTIONS"), allowed.of("/v1/tasks/x/examples"));
        assertEquals(Set.of("POST", "OPTIONS"), allowed.of("/v1/tasks/x/refine"));
        assertEquals(Set.of(), allowed.of("/v1/tasks/x/predictions/y"));
        assertEquals(Set.of(), allowed.of("/nope"));
    }
}
