package io.metalprompt.events;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.UUID;

import org.junit.jupiter.api.Test;

class TaskIdsTest {

    @Test
    void theIdsTheGatewayIssuesAreValid() {
        for (int i = 0; i < 100; i++) {
            String id = UUID.randomUUID().toString();
            assertTrue(TaskIds.isValid(id), id);
        }
    }

    @Test
    void anythingElseIsNot() {
        String id = "3f2a9c1e-7b4d-4e2f-9a6b-0c1d2e3f4a5b";   // fixed: every variant below must differ from it
        assertTrue(TaskIds.isValid(id));
        for (String bad : new String[] {null, "", " ", "dev_000", id + ":registration", id + ":prompts", id.toUpperCase(),
                " " + id, id + "\n", id.replace("-", ""), id.substring(1), id + "0", "*", "metal:task:" + id,
                id.replace('a', 'g'), "00000000-0000-0000-0000-00000000000\u0661"}) {
            assertFalse(TaskIds.isValid(bad), "'" + bad + "' must be refused");
        }
    }
}
