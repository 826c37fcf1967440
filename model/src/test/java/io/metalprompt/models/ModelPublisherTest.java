package io.metalprompt.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.metalprompt.events.ModelPublished;
import io.metalprompt.testing.TestInfrastructure;

/** Over a real broker: store versions published on metal.model-events and the latest one read back per base. */
class ModelPublisherTest {

    private static final Instant T0 = Instant.parse("2026-06-11T02:00:00Z");

    private static ModelVersion version(ModelStore store, Path tmp, String fp, byte weight) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("pgm-" + UUID.randomUUID()));
        Files.writeString(dir.resolve("pgm.json"), "{\"format\":1,\"design\":\"PREFIX\",\"base_fingerprint\":\"" + fp + "\"}");
        Files.write(dir.resolve("adapter.safetensors"), new byte[] {weight});
        return store.addPgm(List.of(dir), new ModelStore.Provenance("test", Map.of(), Map.of("macro_f1", 0.25)));
    }

    @Test
    void theLatestPublishedVersionOfABaseIsItsCurrentOne(@TempDir Path tmp) throws IOException {
        String fp = "fp-" + UUID.randomUUID();
        ModelStore store = new ModelStore(tmp.resolve("store"));
        ModelVersion v1 = version(store, tmp, fp, (byte) 1);
        ModelVersion v2 = version(store, tmp, fp, (byte) 2);
        try (ModelPublisher publisher = new ModelPublisher(TestInfrastructure.get().kafkaBootstrap(), Map.of(),
                Duration.ofSeconds(30))) {
            assertTrue(publisher.current(fp).isEmpty());

            ModelPublished first = publisher.publish(v1, T0);
            assertEquals(v1.version(), first.pgmVersion());
            assertEquals(fp, first.baseFingerprint());
            assertEquals(v1.location().toString(), first.location());
            assertEquals(Map.of("macro_f1", 0.25), first.metrics());
            assertEquals(first, publisher.current(fp).orElseThrow());

            publisher.publish(v2, T0.plusSeconds(10));
            ModelPublished rollback = publisher.publish(v1, T0.plusSeconds(20));
            assertEquals(rollback, publisher.current(fp).orElseThrow(), "publishing an older version again rolls back");
            assertTrue(publisher.current("fp-" + UUID.randomUUID()).isEmpty(), "other bases have their own versions");
        }
    }

    @Test
    void baseVersionsAreNotPublished(@TempDir Path tmp) throws IOException {
        ModelStore store = new ModelStore(tmp.resolve("store"));
        Path model = Files.createDirectories(tmp.resolve("base"));
        Files.writeString(model.resolve("config.json"), "{}");
        Files.write(model.resolve("model.safetensors"), new byte[] {1});
        ModelVersion base = store.addBase(model, "fp", new ModelStore.Provenance("test", Map.of(), Map.of()));
        try (ModelPublisher publisher = new ModelPublisher(TestInfrastructure.get().kafkaBootstrap(), Map.of(),
                Duration.ofSeconds(5))) {
            assertTrue(assertThrows(ModelStoreException.class, () -> publisher.publish(base, T0)).getMessage()
                    .contains("only PGM versions are published"));
        }
    }
}
