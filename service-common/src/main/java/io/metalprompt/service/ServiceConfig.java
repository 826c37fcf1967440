package io.metalprompt.service;

/**
 * The part of a service's configuration the shared beans read. The service's one {@code @ConfigMapping} (prefix
 * {@code metal}) extends it, and Quarkus injects that mapping wherever a {@code ServiceConfig} is asked for.
 */
public interface ServiceConfig {

    /** {@code metal.redis.*} */
    RedisSettings redis();
}
