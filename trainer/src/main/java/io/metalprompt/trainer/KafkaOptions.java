package io.metalprompt.trainer;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import io.metalprompt.models.ModelPublisher;
import picocli.CommandLine.Option;

/**
 * Where model versions are published: the Kafka cluster of the services (a picocli mixin). Client settings come from
 * {@code KAFKA_*} environment variables as for the services ({@code KAFKA_SECURITY_PROTOCOL} is
 * {@code security.protocol}), then from {@code --kafka-config}.
 */
public class KafkaOptions {

    @Option(names = "--kafka", defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS}",
            description = "Kafka bootstrap servers (default: environment KAFKA_BOOTSTRAP_SERVERS)") String bootstrap;
    @Option(names = "--kafka-config", description = "properties file of further Kafka client settings (security, for example)") Path config;
    @Option(names = "--kafka-timeout", defaultValue = "30s", description = "how long to wait for Kafka (default ${DEFAULT-VALUE})") String timeout;

    ModelPublisher publisher() {
        Map<String, String> extra = new HashMap<>();
        // as for the services: KAFKA_SASL_JAAS_CONFIG is sasl.jaas.config, and so on
        System.getenv().forEach((name, value) -> {
            if (name.startsWith("KAFKA_") && !name.equals("KAFKA_BOOTSTRAP_SERVERS")) {
                extra.put(name.substring("KAFKA_".length()).toLowerCase(java.util.Locale.ROOT).replace('_', '.'), value);
            }
        });
        if (config != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(config)) {
                p.load(r);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read --kafka-config " + config + ": " + e.getMessage(), e);
            }
            p.stringPropertyNames().forEach(n -> extra.put(n, p.getProperty(n)));
        }
        return new ModelPublisher(bootstrap, extra, Duration.parse("PT" + timeout.toUpperCase(java.util.Locale.ROOT)));
    }
}
