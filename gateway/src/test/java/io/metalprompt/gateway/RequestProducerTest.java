package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The request producer's settings: connection, then its own, serializers fixed, sends bounded by the timeout. */
class RequestProducerTest {

    private static final Map<String, Object> CONNECTION = Map.of("bootstrap.servers", "b:9092",
            "security.protocol", "SASL_SSL", "group.id", "not-a-producer-setting");

    @Test
    void theConnectionsSettingsComeFirstItsOwnOverrideThemAndOthersAreLeftOut() {
        Map<String, Object> s = RequestProducer.settings(CONNECTION,
                Map.of("security.protocol", "SSL", "max.in.flight.requests.per.connection", "1"), Duration.ofSeconds(30));
        assertEquals("b:9092", s.get("bootstrap.servers"));
        assertEquals("SSL", s.get("security.protocol"));
        assertEquals("1", s.get("max.in.flight.requests.per.connection"));
        assertFalse(s.containsKey("group.id"), "a consumer's setting is not passed to the producer");
        assertEquals(StringSerializer.class.getName(), s.get(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG));
        assertEquals(ByteArraySerializer.class.getName(), s.get(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG));
    }

    @Test
    void aSendWaitsForMetadataAtMostThePredictionTimeoutUnlessSetOtherwise() {
        assertEquals("30000", RequestProducer.settings(CONNECTION, Map.of(), Duration.ofSeconds(30))
                .get(ProducerConfig.MAX_BLOCK_MS_CONFIG));
        assertEquals("2000", RequestProducer.settings(CONNECTION, Map.of("max.block.ms", "2000"), Duration.ofSeconds(30))
                .get(ProducerConfig.MAX_BLOCK_MS_CONFIG));
    }
}
