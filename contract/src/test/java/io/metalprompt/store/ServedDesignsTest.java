package io.metalprompt.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.metalprompt.events.PromptDesign;
import io.metalprompt.testing.TestInfrastructure;

/** Against a real Redis: the designs the prompt-generators record and the gateway reads. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServedDesignsTest {

    private RedisConnector redis;
    private ServedDesigns designs;

    /** The Redis to run against: the single server here, the Redis Cluster in the subclass. */
    String redisUrl() {
        return TestInfrastructure.get().redisUrl();
    }

    @BeforeAll
    void connect() {
        redis = new RedisConnector(redisUrl(), Duration.ofSeconds(2));
        designs = new ServedDesigns(redis);
    }

    @AfterAll
    void close() {
        redis.sync().del(ServedDesigns.KEY.getBytes(UTF_8));
        redis.close();
    }

    @Test
    void unknownUntilRecordedThenReplacedAsAWhole() {
        redis.sync().del(ServedDesigns.KEY.getBytes(UTF_8));
        assertEquals(Optional.empty(), designs.read());
        designs.replace(Set.of(PromptDesign.PREFIX, PromptDesign.DISCRETE));
        assertEquals(Optional.of(Set.of(PromptDesign.PREFIX, PromptDesign.DISCRETE)), designs.read());
        designs.replace(Set.of(PromptDesign.WEIGHTED_SUM));
        assertEquals(Optional.of(Set.of(PromptDesign.WEIGHTED_SUM)), designs.read());
        assertThrows(IllegalArgumentException.class, () -> designs.replace(Set.of()));
        redis.sync().sadd(ServedDesigns.KEY.getBytes(UTF_8), "FUTURE_DESIGN".getBytes(UTF_8));
        assertEquals(Optional.of(Set.of(PromptDesign.WEIGHTED_SUM)), designs.read(), "unknown names are left out");
        redis.sync().srem(ServedDesigns.KEY.getBytes(UTF_8), "WEIGHTED_SUM".getBytes(UTF_8));
        assertEquals(Optional.empty(), designs.read(), "only names this version does not know: as if unknown");
    }
}
