package io.metalprompt.promptgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.Example;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.prompt.LoraAdapter;
import io.metalprompt.prompt.PaddingLayout;
import io.metalprompt.prompt.PaddingPlacement;
import io.metalprompt.prompt.PromptEncoding;
import io.metalprompt.prompt.PromptGenerator;
import io.metalprompt.prompt.TrainablePadding;
import io.metalprompt.testing.TinyModelsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * A PGM whose prompts keep several passes makes prompts that grow with the examples: the factory checks the room a
 * request has behind the prompt a task will really get, at registration and when examples are added, and says what
 * to change. The tiny base LM reads 256 positions; this PGM makes 32 per pass of one example and keeps 8 passes.
 */
@QuarkusTest
@QuarkusTestResource(value = TinyModelsTestResource.class, restrictToAnnotatedClass = false)
class GrowingPromptRoomTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T08:00:00Z"), ZoneOffset.UTC);

    @Inject
    LanguageModel base;

    @Inject
    LmTokenizer tokenizer;

    private PromptGenerator growing() {
        return PromptGenerator.create(base, new LoraAdapter.Config(2, 4, List.of("c_attn")),
                TrainablePadding.defaultConfig(32, base.config().dModel()), PromptDesign.PREFIX,
                PaddingLayout.of(PaddingPlacement.INTERLEAVED, tokenizer).withExamplesPerPass(1).withPassesKept(8), 3);
    }

    private static List<Example> examples(int n) {
        List<Example> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(new Example("the cat sat " + i, i % 2 == 0 ? "alpha" : "beta"));
        }
        return list;
    }

    private static TaskRegistered task(int examples, int demonstrations) {
        return new TaskRegistered(1, UUID.randomUUID().toString(), "acme", examples(examples), List.of("alpha", "beta"),
                PromptDesign.PREFIX, demonstrations, CLOCK.instant());
    }

    private PgmPromptFactory factory(PromptGenerator pgm) {
        return new PgmPromptFactory(Map.of(PromptDesign.PREFIX, pgm), tokenizer, new VocabularyCheck(tokenizer, 1), CLOCK,
                PromptEncoding.DEFAULT);
    }

    @Test
    void aTaskWhosePromptWouldLeaveNoRoomForARequestIsToldToSendFewerExamples() {
        try (PromptGenerator pgm = growing()) {
            PgmPromptFactory factory = factory(pgm);
            assertEquals(5 * 32, factory.generate(task(6, 1)).k(), "5 passes of one example: 5 x 32 positions");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> factory.generate(task(9, 1)));
            assertTrue(e.getMessage().contains("the 256-position prompt its examples make (32 positions per pass of "
                    + "generation, the last 8 passes kept)") && e.getMessage().contains("send fewer examples"),
                    e.getMessage());
        }
    }

    @Test
    void demonstrationsThatLeaveNoRoomEvenBehindOnePassAreToldApart() {
        try (PromptGenerator pgm = growing()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> factory(pgm).generate(task(45, 40)));
            assertTrue(e.getMessage().startsWith("the 40 demonstrations kept in front of every request take ")
                    && e.getMessage().contains("with the 32-position prompt that leaves less than 32")
                    && e.getMessage().endsWith("keep fewer demonstrations"), e.getMessage());
        }
    }

    @Test
    void addedExamplesThatWouldGrowThePromptPastTheRoomAreRefusedWithTheReason() {
        try (PromptGenerator pgm = growing()) {
            PgmPromptFactory factory = factory(pgm);
            TaskRegistered task = task(5, 1);
            PromptFactory.Result first = factory.generate(task);
            assertEquals(4 * 32, first.k());
            assertEquals(6 * 32, factory.generateFrom(task, first.artifact(), examples(2)).k(), "grows by a pass per example");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> factory.generateFrom(task, first.artifact(), examples(4)));
            assertTrue(e.getMessage().contains("256-position prompt"), e.getMessage());
        }
    }
}
