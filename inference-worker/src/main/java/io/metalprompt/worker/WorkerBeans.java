package io.metalprompt.worker;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import io.metalprompt.events.Topics;
import io.metalprompt.lm.BatchScorer;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Tracer;
import io.smallrye.common.annotation.Identifier;

/**
 * Wires the plain serving classes: the prefix cache and the engine, over the frozen LM and its tokenizer
 * ({@link io.metalprompt.service.model.ModelBeans}) and the task stores ({@link io.metalprompt.service.RedisBeans});
 * the Kafka door (reply routes checked against the allow-list and the broker's view of the reply topics, reply
 * sizes) and the batch handler under {@link ServingLoopService}.
 */
@ApplicationScoped
public class WorkerBeans {

    @Produces
    @ApplicationScoped
    PrefixCache prefixCache(WorkerConfig config, MeterRegistry registry) {
        PrefixCache cache = new PrefixCache(config.serving().cacheBytes());
        FunctionCounter.builder("metal.worker.prefix.cache.hits", cache, PrefixCache::hits)
                .description("Requests whose task prefix was in memory").register(registry);
        FunctionCounter.builder("metal.worker.prefix.cache.misses", cache, PrefixCache::misses)
                .description("Requests whose task prefix had to be built from the stored prompt").register(registry);
        FunctionCounter.builder("metal.worker.prefix.cache.evictions", cache, PrefixCache::evictions)
                .description("Task prefixes dropped to stay within metal.serving.cache-bytes").register(registry);
        Gauge.builder("metal.worker.prefix.cache", cache, PrefixCache::bytes).baseUnit("bytes")
                .description("Bytes of the task prefixes held in memory").register(registry);
        Gauge.builder("metal.worker.prefix.cache.max", cache, PrefixCache::maxBytes).baseUnit("bytes")
                .description("The cache's bound, metal.serving.cache-bytes").register(registry);
        Gauge.builder("metal.worker.prefix.cache.entries", cache, PrefixCache::entries)
                .description("Task prefixes held in memory").register(registry);
        return cache;
    }

    @Produces
    @ApplicationScoped
    ServingMetrics servingMetrics(MeterRegistry registry) {
        return new ServingMetrics(registry);
    }

    @Produces
    @ApplicationScoped
    InferenceEngine engine(WorkerConfig config, TaskStore store, TaskPrompts prompts, PrefixCache cache,
                           LanguageModel model, LmTokenizer tokenizer, MeterRegistry registry, ReplyBudget budget) {
        ArtifactPrefixLoader loader = new ArtifactPrefixLoader(store, prompts, model, tokenizer);
        Timer load = Timer.builder("metal.worker.prefix.load")
                .description("Building a task's prefix from its stored prompt (a cache miss)")
                .publishPercentileHistogram().register(registry);
        return new InferenceEngine(store, cache, task -> load.record(() -> loader.load(task)),
                new BatchScorer(model), tokenizer, model.config().maxPositions(), config.serving().maxRows(),
                Clock.systemUTC(), budget);
    }

    @Produces
    @ApplicationScoped
    ReplyBudget replyBudget(WorkerConfig config) {
        return new ReplyBudget(config.replies().maxBytes());
    }

    /** The broker's view of the reply topics, through an admin client with the service's Kafka settings. */
    @Produces
    @ApplicationScoped
    KafkaTopicDescriber topicDescriber(WorkerConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        return new KafkaTopicDescriber(kafka, config.replies().metadataTimeout());
    }

    void closeDescriber(@Disposes KafkaTopicDescriber describer) {
        describer.close();
    }

    @Produces
    @ApplicationScoped
    BatchHandler batchHandler(WorkerConfig config, KafkaTopicDescriber describer, InferenceEngine engine,
                              ReplyBudget budget, ServingMetrics metrics, Tracer tracer) {
        ReplyTopics topics = new ReplyTopics(describer, Duration.ofSeconds(30), System::nanoTime);
        ReplyRouter router = new ReplyRouter(config.replies().allowedTopics(), Topics.INFERENCE_RESULTS, topics,
                config.replies().maxBytes());
        RequestDoor door = new RequestDoor(router, config.serving().maxInputsPerRequest(),
                config.serving().maxInputChars(), Clock.systemUTC());
        return new BatchHandler(door, engine, budget, metrics, tracer, Topics.deadLetter(Topics.INFERENCE_REQUESTS));
    }
}
