package io.metalprompt.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.TaskStore;

/**
 * The service's one Redis connector (a CDI producer around the plain {@link RedisConnector}, configured by the
 * service's {@code metal.redis} settings) and the task store on it.
 */
@ApplicationScoped
public class RedisBeans {

    @Produces
    @ApplicationScoped
    RedisConnector redis(ServiceConfig config) {
        return new RedisConnector(config.redis().url(), config.redis().timeout());
    }

    void close(@Disposes RedisConnector redis) {
        redis.close();
    }

    @Produces
    @ApplicationScoped
    TaskStore taskStore(RedisConnector redis) {
        return new TaskStore(redis);
    }
}
