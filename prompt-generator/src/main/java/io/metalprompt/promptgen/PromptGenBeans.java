package io.metalprompt.promptgen;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import io.quarkus.runtime.Startup;

import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.lm.ModelLoadException;
import io.metalprompt.prompt.PromptGenerator;
import io.metalprompt.store.ExampleStore;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.Refinements;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskStore;
import io.metalprompt.store.UsageStore;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Wires the plain prompt-generation classes: the PGMs found under {@code metal.model.pgm} (a PGM folder, or a
 * folder of PGM folders, one per design: served until a version is published, see {@link RolloutBeans}) on the
 * frozen base LM whose weights they share ({@link io.metalprompt.service.model.ModelBeans}), and the task handler.
 */
@ApplicationScoped
public class PromptGenBeans {

    @Produces
    @ApplicationScoped
    @Startup
    PgmPromptFactory factory(PromptGeneratorConfig config, LanguageModel base, LmTokenizer tokenizer) {
        Map<PromptDesign, PromptGenerator> pgms = new EnumMap<>(PromptDesign.class);
        for (Path dir : PromptGenerator.folders(Path.of(config.model().pgm()))) {
            PromptGenerator pgm = PromptGenerator.load(base, dir);
            if (pgms.put(pgm.design(), pgm) != null) {
                throw new ModelLoadException("two PGMs for design " + pgm.design() + " under " + config.model().pgm());
            }
        }
        return new PgmPromptFactory(pgms, tokenizer,
                new VocabularyCheck(tokenizer, config.model().maxUnknownWords()), Clock.systemUTC(),
                config.prompts().encoding(), config.prompts().maxBatch());
    }

    @Produces
    @ApplicationScoped
    Refiner refiner(TaskStore store, TaskPrompts prompts, ExampleStore examples, Refinements refinements,
                    PromptTaskHandler versions, LanguageModel base, LmTokenizer tokenizer, RedisConnector redis,
                    MeterRegistry registry) {
        return new Refiner(store, prompts, examples, refinements, versions.gate(), base, tokenizer, new UsageStore(redis),
                Clock.systemUTC(), registry);
    }

    @Produces
    @ApplicationScoped
    GenerationActivity generationActivity() {
        return new GenerationActivity();
    }

    /**
     * Version 1's reports: waiting up to 2 minutes for the first prompt (as a refinement does), then for 1 s without a
     * batch of registrations, 30 s at most.
     */
    @Produces
    @ApplicationScoped
    FirstReports firstReports(TaskStore store, TaskPrompts prompts, ExampleStore examples, PromptTaskHandler handler,
                              GenerationActivity generation) {
        return new FirstReports(store, prompts, examples, handler.gate(), generation, Duration.ofMinutes(2), Duration.ofSeconds(1),
                Duration.ofSeconds(30));
    }

    @Produces
    @ApplicationScoped
    PromptTaskHandler handler(TaskStore store, TaskPrompts prompts, ExampleStore examples, PromptFactory factory,
                              ModelUpdater models, MeterRegistry registry, RedisConnector redis, LanguageModel base,
                              LmTokenizer tokenizer) {
        return new PromptTaskHandler(store, prompts, examples, factory, models::sync, Clock.systemUTC(), registry,
                new UsageStore(redis), new QualityScorer(base, tokenizer));
    }
}
