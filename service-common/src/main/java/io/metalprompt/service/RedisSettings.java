package io.metalprompt.service;

import java.time.Duration;

import io.smallrye.config.WithDefault;

/**
 * The config group {@code metal.redis} of every service: where its Redis is ({@link ServiceConfig#redis()}).
 */
public interface RedisSettings {

    /** Redis server holding prompts and task metadata. Env: {@code METAL_REDIS_URL}. */
    @WithDefault("redis://127.0.0.1:16379")
    String url();

    /** Timeout of one Redis command (and of connecting). Env: {@code METAL_REDIS_TIMEOUT}. */
    @WithDefault("2s")
    Duration timeout();
}
