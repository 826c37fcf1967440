package io.metalprompt.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.metalprompt.service.kafka.KafkaClientSettings;

/** What the serving loop's clients are given: connection settings, then their own, then what the loop fixes. */
class ServingKafkaClientsTest {

    private static final Map<String, Object> KAFKA = Map.of("bootstrap.servers", "broker:9092",
            "security.protocol", "SASL_SSL", "max.poll.records", "500", "not.a.kafka.setting", "x");

    @Test
    void theConsumerTakesTheConnectionAndItsOwnSettingsButNeverAutoCommits() {
        Map<String, Object> c = ServingKafkaClients.consumer(KAFKA, Map.of("group.id", "g", "max.poll.records", "64",
                "enable.auto.commit", "true", "isolation.level", "read_uncommitted"));
        assertEquals("broker:9092", c.get("bootstrap.servers"));
        assertEquals("SASL_SSL", c.get("security.protocol"));
        assertEquals("64", c.get("max.poll.records"), "its own setting wins over the connection map's");
        assertEquals("false", c.get("enable.auto.commit"), "offsets go into each batch's transaction");
        assertEquals("read_committed", c.get("isolation.level"));
        assertFalse(c.containsKey("not.a.kafka.setting"));
        assertEquals(64, KafkaClientSettings.intSetting(c, "max.poll.records", 500));
    }

    @Test
    void theProducerIsAlwaysTransactionalAndIdempotent() {
        Map<String, Object> p = ServingKafkaClients.producer(KAFKA, Map.of("transactional.id", "w-1", "acks", "1",
                "enable.idempotence", "false", "linger.ms", "0"));
        assertEquals("w-1", p.get("transactional.id"));
        assertEquals("all", p.get("acks"));
        assertEquals("true", p.get("enable.idempotence"));
        assertEquals("0", p.get("linger.ms"));
        assertThrows(IllegalStateException.class, () -> ServingKafkaClients.producer(KAFKA, Map.of()),
                "no transactional id, no exactly-once replies");
    }
}
