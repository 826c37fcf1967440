package io.metalprompt.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.metalprompt.store.RedisConnector;

/** Ready only while Redis answers: without it no prompt can be stored or read. */
@Readiness
@ApplicationScoped
public class RedisReadiness implements HealthCheck {

    @Inject
    RedisConnector redis;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("redis").status(redis.ping()).build();
    }
}
