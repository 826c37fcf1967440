package io.metalprompt.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.metalprompt.store.RedisConnector.Topology;
import io.metalprompt.testing.TestInfrastructure;

/** What {@code metal.redis.url} accepts, and what it refuses with a reason instead of a stack trace. */
class RedisConnectorTest {

    @Test
    void oneServerSentinelOrClusterAsTheUrlSays() {
        assertEquals(Topology.STANDALONE, RedisConnector.parse("redis://127.0.0.1:6379", false).topology());
        assertEquals(Topology.STANDALONE, RedisConnector.parse(" rediss://:pw@redis.example:6380/2 ", false).topology());
        RedisConnector.Endpoint sentinel = RedisConnector.parse("redis-sentinel://127.0.0.1:26379,127.0.0.1:26380/0#mymaster", false);
        assertEquals(Topology.SENTINEL, sentinel.topology());
        assertEquals("mymaster", sentinel.uris().get(0).getSentinelMasterId());
        assertEquals(2, sentinel.uris().get(0).getSentinels().size());
        RedisConnector.Endpoint cluster = RedisConnector.parse("redis://127.0.0.1:7000, redis://127.0.0.1:7001,redis://127.0.0.1:7002", false);
        assertEquals(Topology.CLUSTER, cluster.topology());
        assertEquals(3, cluster.uris().size());
        assertEquals(Topology.CLUSTER, RedisConnector.parse("redis://127.0.0.1:7000", true).topology(), "one seed, cluster set");
    }

    @Test
    void aBadUrlIsRefusedWithTheReasonAndTheAcceptedForms() {
        for (String bad : new String[] {"", "localhost:6379", "http://127.0.0.1:6379", "redis://a:1,,redis://b:2",
                "redis-sentinel://127.0.0.1:26379", "redis://"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisConnector.parse(bad, false), bad);
            assertTrue(e.getMessage().contains("redis://") || e.getMessage().contains("#"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RedisConnector.parse("redis-sentinel://127.0.0.1:26379#m", true));
        assertTrue(e.getMessage().contains("Sentinel"), e.getMessage());
        String secret = assertThrows(IllegalArgumentException.class,
                () -> RedisConnector.parse("redis://user:s3cret@,", false)).getMessage();
        assertFalse(secret.contains("s3cret"), "the password stays out of the message: " + secret);
    }

    @Test
    void theSameCommandsReachASingleServerAndACluster() {
        for (String url : new String[] {TestInfrastructure.get().redisUrl(), TestInfrastructure.redisClusterUrl()}) {
            try (RedisConnector redis = new RedisConnector(url, Duration.ofSeconds(2))) {
                assertTrue(redis.ping(), url);
                assertEquals(url.contains(",") ? Topology.CLUSTER : Topology.STANDALONE, redis.topology());
                assertFalse(redis.masters().isEmpty());
                assertEquals(url.contains(",") ? 3 : 1, redis.masters().size(), "masters of " + url);
            }
        }
    }
}
