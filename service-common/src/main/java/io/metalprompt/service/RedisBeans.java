package io.metalprompt.service;

import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import io.metalprompt.store.ExampleStore;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.Refinements;
import io.metalprompt.store.TaskIndex;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskStore;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * The service's one Redis connector (a CDI producer around the plain {@link RedisConnector}, configured by the
 * service's {@code metal.redis} settings: one server, a Sentinel set or a Redis Cluster) and the task stores on it
 * ({@link TaskStore}, {@link TaskIndex}, {@link TaskPrompts}, {@link ExampleStore}, {@link Refinements}).
 */
@ApplicationScoped
public class RedisBeans {

    @Produces
    @ApplicationScoped
    RedisConnector redis(ServiceConfig config) {
        check(config.redis());
        return new RedisConnector(config.redis().url(), config.redis().timeout(), config.redis().cluster());
    }

    void close(@Disposes RedisConnector redis) {
        redis.close();
    }

    /** Reads the Redis settings at start, so a bad URL stops the service at once rather than at its first call. */
    void validate(@Observes StartupEvent start, ServiceConfig config) {
        check(config.redis());
    }

    /**
     * Throws a {@link ConfigurationException} naming {@code metal.redis.url} and what is wrong with it when the URL
     * does not parse (Quarkus reports it as a configuration error, without a stack trace).
     */
    static void check(RedisSettings settings) {
        try {
            RedisConnector.parse(settings.url(), settings.cluster());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("metal.redis.url (METAL_REDIS_URL): " + e.getMessage(), Set.of("metal.redis.url"));
        }
    }

    @Produces
    @ApplicationScoped
    TaskStore taskStore(RedisConnector redis) {
        return new TaskStore(redis);
    }

    @Produces
    @ApplicationScoped
    TaskIndex taskIndex(RedisConnector redis) {
        return new TaskIndex(redis);
    }

    @Produces
    @ApplicationScoped
    TaskPrompts taskPrompts(RedisConnector redis) {
        return new TaskPrompts(redis);
    }

    @Produces
    @ApplicationScoped
    ExampleStore exampleStore(RedisConnector redis) {
        return new ExampleStore(redis);
    }

    @Produces
    @ApplicationScoped
    Refinements refinements(RedisConnector redis) {
        return new Refinements(redis);
    }
}
