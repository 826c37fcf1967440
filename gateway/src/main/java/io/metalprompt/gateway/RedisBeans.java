package io.metalprompt.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import io.metalprompt.store.RedisConnector;

/** The service's one Redis connector (a CDI producer around the plain {@link RedisConnector}). */
@ApplicationScoped
public class RedisBeans {

    @Produces
    @ApplicationScoped
    RedisConnector redis(GatewayConfig config) {
        return new RedisConnector(config.redis().url(), config.redis().timeout());
    }

    void close(@Disposes RedisConnector redis) {
        redis.close();
    }
}
