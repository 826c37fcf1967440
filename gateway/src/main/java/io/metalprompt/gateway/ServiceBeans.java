package io.metalprompt.gateway;

import java.time.Clock;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import io.metalprompt.store.RedisConnector;

/** Wires the plain-Java {@link TaskService} to its adapters and settings. */
@ApplicationScoped
public class ServiceBeans {

    @Produces
    @ApplicationScoped
    TaskService taskService(GatewayConfig config, RedisConnector redis, KafkaTaskEventPublisher publisher,
                            KafkaInferenceClient inference) {
        GatewayConfig.Gateway g = config.gateway();
        return new TaskService(new RedisTaskStore(redis), publisher, inference,
                new TaskService.Settings(Limits.of(g), g.publishTimeout(), g.predictionTimeout(), g.retryAfter()),
                Clock.systemUTC(), () -> UUID.randomUUID().toString());
    }
}
