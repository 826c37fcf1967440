package io.metalprompt.service.model;

import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import io.quarkus.runtime.Startup;

import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.LmTokenizer;

/** The base LM and its tokenizer, loaded once per service from its {@code metal.model} settings. */
@ApplicationScoped
public class ModelBeans {

    @Produces
    @ApplicationScoped
    @Startup   // load the model at start: a wrong path fails the start, not the first request
    LanguageModel model(ModelServiceConfig config) {
        ModelSettings settings = config.model();
        return LanguageModel.load(Path.of(settings.base()), new LmSettings(settings.device(), settings.dtype()));
    }

    void close(@Disposes LanguageModel model) {
        model.close();
    }

    @Produces
    @ApplicationScoped
    LmTokenizer tokenizer(ModelServiceConfig config) {
        return LmTokenizer.load(Path.of(config.model().base()));
    }

    void close(@Disposes LmTokenizer tokenizer) {
        tokenizer.close();
    }
}
