package io.metalprompt.service;

import java.time.Duration;

import io.smallrye.config.WithDefault;

/**
 * The config group {@code metal.redis} of every service: where its Redis is ({@link ServiceConfig#redis()}).
 */
public interface RedisSettings {

    /**
     * Redis holding prompts and task metadata: one server ({@code redis://host:port}), a Sentinel set
     * ({@code redis-sentinel://host:port,host:port/0#master}) or a Redis Cluster (several {@code redis://} seeds
     * separated by commas). Env: {@code METAL_REDIS_URL}.
     */
    @WithDefault("redis://127.0.0.1:16379")
    String url();

    /** Take a single {@code redis://} seed in {@link #url()} as a node of a Redis Cluster. Env: {@code METAL_REDIS_CLUSTER}. */
    @WithDefault("false")
    boolean cluster();

    /** Timeout of one Redis command (and of connecting). Env: {@code METAL_REDIS_TIMEOUT}. */
    @WithDefault("2s")
    Duration timeout();
}
