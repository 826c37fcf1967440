package io.metalprompt.worker;

import java.nio.file.Path;
import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import io.quarkus.runtime.Startup;

import io.metalprompt.lm.BatchScorer;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.TaskStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** Wires the plain serving classes: the frozen LM, its tokenizer, the task store, the prefix cache and the engine. */
@ApplicationScoped
public class WorkerBeans {

    @Produces
    @ApplicationScoped
    @Startup   // load the model at start: a wrong path fails the start, not the first request
    LanguageModel model(WorkerConfig config) {
        return LanguageModel.load(Path.of(config.model().base()),
                new LmSettings(config.model().device(), config.model().dtype()));
    }

    void close(@Disposes LanguageModel model) {
        model.close();
    }

    @Produces
    @ApplicationScoped
    LmTokenizer tokenizer(WorkerConfig config) {
        return LmTokenizer.load(Path.of(config.model().base()));
    }

    void close(@Disposes LmTokenizer tokenizer) {
        tokenizer.close();
    }

    @Produces
    @ApplicationScoped
    TaskStore taskStore(RedisConnector redis) {
        return new TaskStore(redis);
    }

    @Produces
    @ApplicationScoped
    PrefixCache prefixCache(WorkerConfig config, MeterRegistry registry) {
        PrefixCache cache = new PrefixCache(config.serving().cacheBytes());
        Gauge.builder("metal.worker.prefix.cache.hits", cache, PrefixCache::hits).register(registry);
        Gauge.builder("metal.worker.prefix.cache.misses", cache, PrefixCache::misses).register(registry);
        Gauge.builder("metal.worker.prefix.cache.bytes", cache, PrefixCache::bytes).baseUnit("bytes").register(registry);
        return cache;
    }

    @Produces
    @ApplicationScoped
    InferenceEngine engine(WorkerConfig config, TaskStore store, PrefixCache cache, LanguageModel model,
                           LmTokenizer tokenizer) {
        return new InferenceEngine(store, cache, new ArtifactPrefixLoader(store, model, tokenizer),
                new BatchScorer(model), tokenizer, model.config().maxPositions(), config.serving().maxRows(),
                Clock.systemUTC());
    }
}
