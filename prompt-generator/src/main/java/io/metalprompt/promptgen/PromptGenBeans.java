package io.metalprompt.promptgen;

import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import io.quarkus.runtime.Startup;

import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.lm.ModelLoadException;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.prompt.PromptGenerator;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.TaskStore;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Wires the plain prompt-generation classes: the frozen base LM (whose weights every PGM shares), the PGMs
 * found under {@code metal.model.pgm} (a PGM folder, or a folder of PGM folders, one per design: served until a
 * version is published, see {@link RolloutBeans}), the task store.
 */
@ApplicationScoped
public class PromptGenBeans {

    @Produces
    @ApplicationScoped
    @Startup   // load the model at start: a wrong path fails the start, not the first request
    LanguageModel base(PromptGeneratorConfig config) {
        return LanguageModel.load(Path.of(config.model().base()),
                new LmSettings(config.model().device(), config.model().dtype()));
    }

    void close(@Disposes LanguageModel model) {
        model.close();
    }

    @Produces
    @ApplicationScoped
    LmTokenizer tokenizer(PromptGeneratorConfig config) {
        return LmTokenizer.load(Path.of(config.model().base()));
    }

    void close(@Disposes LmTokenizer tokenizer) {
        tokenizer.close();
    }

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
        return new PgmPromptFactory(pgms, tokenizer, Clock.systemUTC());
    }

    @Produces
    @ApplicationScoped
    TaskStore taskStore(RedisConnector redis) {
        return new TaskStore(redis);
    }

    @Produces
    @ApplicationScoped
    PromptTaskHandler handler(TaskStore store, PromptFactory factory, ModelUpdater models, MeterRegistry registry) {
        return new PromptTaskHandler(store, factory, models::sync, Clock.systemUTC(), registry);
    }
}
