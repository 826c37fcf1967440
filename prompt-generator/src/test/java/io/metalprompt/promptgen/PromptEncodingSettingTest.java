package io.metalprompt.promptgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.Example;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.PromptReady;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.prompt.PromptArtifact;
import io.metalprompt.prompt.PromptEncoding;
import io.metalprompt.prompt.PromptGenerator;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskStore;
import io.metalprompt.testing.TinyModels;
import io.metalprompt.testing.TinyModelsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** {@code metal.prompts.encoding}: the service stores prompts in the configured encoding, and every encoding is honoured. */
@QuarkusTest
@QuarkusTestResource(value = TinyModelsTestResource.class, restrictToAnnotatedClass = false)
class PromptEncodingSettingTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T07:00:00Z"), ZoneOffset.UTC);

    @Inject
    PromptTaskHandler handler;

    @Inject
    TaskStore store;

    @Inject
    TaskPrompts prompts;

    @Inject
    PromptGeneratorConfig config;

    @Inject
    LanguageModel base;

    @Inject
    LmTokenizer tokenizer;

    private static TaskRegistered task(PromptDesign design) {
        List<Example> list = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            list.add(new Example("the cat number " + i + " sat", i % 2 == 0 ? "alpha" : "beta"));
        }
        return new TaskRegistered(1, UUID.randomUUID().toString(), "acme", list, List.of("alpha", "beta"), design, 1,
                CLOCK.instant());
    }

    @Test
    void theServiceStoresPromptsInTheConfiguredEncoding() {
        assertEquals(PromptEncoding.DEFAULT, config.prompts().encoding(), "no test setting: the default");
        for (PromptDesign design : List.of(PromptDesign.PREFIX, PromptDesign.HIDDEN_STATE, PromptDesign.DISCRETE)) {
            TaskRegistered t = task(design);
            PromptReady ready = assertInstanceOf(PromptReady.class, handler.handle(t).orElseThrow());
            PromptArtifact a = PromptArtifact.fromBytes(prompts.artifact(t.taskId(), ready.pgmVersion()).orElseThrow());
            assertEquals(design == PromptDesign.DISCRETE ? PromptEncoding.F32 : config.prompts().encoding(), a.encoding(),
                    design.name());
        }
    }

    @Test
    void everyEncodingIsStoredAsAsked() {
        Path dir = Path.of(TinyModels.config().get("metal.model.pgm")).resolve("prefix");
        Map<PromptEncoding, Integer> sizes = new EnumMap<>(PromptEncoding.class);
        for (PromptEncoding encoding : PromptEncoding.values()) {
            try (PromptGenerator pgm = PromptGenerator.load(base, dir)) {
                PgmPromptFactory factory = new PgmPromptFactory(Map.of(PromptDesign.PREFIX, pgm), tokenizer,
                        new VocabularyCheck(tokenizer, 1), CLOCK, encoding);
                PromptFactory.Result r = factory.generate(task(PromptDesign.PREFIX));
                assertEquals(encoding, PromptArtifact.fromBytes(r.artifact()).encoding());
                sizes.put(encoding, r.artifact().length);
            }
        }
        assertTrue(sizes.get(PromptEncoding.INT8) < sizes.get(PromptEncoding.F16)
                && sizes.get(PromptEncoding.F16) < sizes.get(PromptEncoding.F32), sizes.toString());
    }
}
