package io.metalprompt.promptgen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.PromptDesign;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.ServedDesigns;
import io.metalprompt.testing.TinyModelsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** A started prompt-generator has told the gateway, through Redis, which designs it has a PGM for. */
@QuarkusTest
@QuarkusTestResource(value = TinyModelsTestResource.class, restrictToAnnotatedClass = false)
class DesignsRecorderTest {

    @Inject
    RedisConnector redis;

    @Inject
    PgmPromptFactory factory;

    @Test
    void theLoadedDesignsAreRecordedAtStart() {
        Set<PromptDesign> loaded = factory.designs();
        assertEquals(Set.of(PromptDesign.values()), loaded, "the tiny test models have a PGM per design");
        assertEquals(Optional.of(loaded), new ServedDesigns(redis).read());
    }
}
