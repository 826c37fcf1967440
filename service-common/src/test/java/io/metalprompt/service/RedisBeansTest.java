package io.metalprompt.service;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.ConfigurationException;

/** A Redis URL that does not parse stops the service with a configuration error naming the setting. */
class RedisBeansTest {

    private static RedisSettings settings(String url, boolean cluster) {
        return new RedisSettings() {
            @Override
            public String url() {
                return url;
            }

            @Override
            public boolean cluster() {
                return cluster;
            }

            @Override
            public Duration timeout() {
                return Duration.ofSeconds(2);
            }
        };
    }

    @Test
    void aBadUrlNamesTheSettingAndWhatIsWrong() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> RedisBeans.check(settings("127.0.0.1:6379", false)));
        assertTrue(e.getMessage().startsWith("metal.redis.url (METAL_REDIS_URL): '127.0.0.1:6379' is not a Redis URL"),
                e.getMessage());
        assertTrue(e.getConfigKeys().contains("metal.redis.url"));
        ConfigurationException sentinel = assertThrows(ConfigurationException.class,
                () -> RedisBeans.check(settings("redis-sentinel://:pw@127.0.0.1:26379", false)));
        assertTrue(sentinel.getMessage().contains("names no master"), sentinel.getMessage());
        assertFalse(sentinel.getMessage().contains("pw@"), "no password in the message: " + sentinel.getMessage());
    }

    @Test
    void everyTopologyIsAccepted() {
        RedisBeans.check(settings("redis://127.0.0.1:16379", false));
        RedisBeans.check(settings("redis://127.0.0.1:7000", true));
        RedisBeans.check(settings("redis://127.0.0.1:7000,redis://127.0.0.1:7001", false));
        RedisBeans.check(settings("redis-sentinel://127.0.0.1:26379,127.0.0.1:26380/0#mymaster", false));
    }
}
