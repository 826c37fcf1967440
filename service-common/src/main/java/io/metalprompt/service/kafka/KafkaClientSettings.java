package io.metalprompt.service.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The settings of a plain Kafka client a service makes itself (beside its SmallRye channels): the service's connection
 * settings (Quarkus' {@code default-kafka-broker} map, i.e. {@code kafka.*} / {@code KAFKA_*}: bootstrap, security),
 * overridden by the client's own (a {@code Map<String, String>} of the service's config mapping, Kafka's names), kept
 * to the names that client knows ({@code ConsumerConfig.configNames()} or {@code ProducerConfig.configNames()}: the
 * connection map also holds other clients' settings and the connector's).
 */
public final class KafkaClientSettings {

    private KafkaClientSettings() {
    }

    public static Map<String, Object> merged(Map<String, Object> connection, Map<String, String> own, Set<String> names) {
        Map<String, Object> settings = new HashMap<>(connection);
        settings.putAll(own);
        settings.keySet().retainAll(names);
        return settings;
    }

    /** The int value of {@code key} in {@code settings}, or {@code fallback}. */
    public static int intSetting(Map<String, Object> settings, String key, int fallback) {
        Object v = settings.get(key);
        return v == null ? fallback : Integer.parseInt(v.toString().trim());
    }

    /** Fails start-up when {@code key} is missing: the client cannot do its job without it. */
    public static void require(Map<String, Object> settings, String key, String where) {
        if (settings.get(key) == null || settings.get(key).toString().isBlank()) {
            throw new IllegalStateException(where + key + " must be set");
        }
    }
}
