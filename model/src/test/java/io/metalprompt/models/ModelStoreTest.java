package io.metalprompt.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The model store's layout, version ids and records, on plain files (no model engine needed). */
class ModelStoreTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-06-11T02:03:12Z"), ZoneOffset.UTC);
    private static final String FP = "9ad8fa6a19f42f8bfd613157c4a3c1d7704c5530327a3dcd2183c3f39de42466";
    private static final ModelStore.Provenance HOW = new ModelStore.Provenance("metal meta-train --design PREFIX",
            Map.of("tasks", "data/tasks.zip"), Map.of("macro_f1", 0.5));

    /** A PGM folder as PromptGenerator.save writes it, with made-up weights. */
    private static Path pgm(Path dir, String design, String fingerprint, byte[] weights) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("pgm.json"), "{\"format\":1,\"id\":\"run\",\"version\":\"abc\",\"design\":\""
                + design + "\",\"k\":4,\"base_fingerprint\":\"" + fingerprint + "\"}");
        Files.write(dir.resolve("adapter.safetensors"), weights);
        Files.writeString(dir.resolve("curve.csv"), "step,loss\n");
        return dir;
    }

    @Test
    void aPgmVersionHoldsEachDesignWithTheStoreVersionIdAndARecord(@TempDir Path tmp) throws IOException {
        ModelStore store = new ModelStore(tmp.resolve("store"), CLOCK);
        Path prefix = pgm(tmp.resolve("runs/prefix"), "PREFIX", FP, new byte[] {1, 2, 3});
        Path discrete = pgm(tmp.resolve("runs/discrete"), "DISCRETE", FP, new byte[] {4, 5});

        ModelVersion v = store.addPgm(List.of(prefix, discrete), HOW);

        assertTrue(v.version().matches("20260611T020312Z-[0-9a-f]{8}"), v.version());
        assertEquals(store.dir(ModelKind.PGM).resolve(v.version()), v.location());
        assertEquals(List.of("DISCRETE", "PREFIX"), v.designs());
        assertEquals(FP, v.baseFingerprint());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(v.location().resolve("prefix/adapter.safetensors")));
        JsonNode config = new ObjectMapper().readTree(v.location().resolve("prefix/pgm.json").toFile());
        assertEquals(v.version(), config.path("version").asText(), "the served version is the store version");
        assertEquals("run", config.path("id").asText());
        assertFalse(Files.exists(v.location().resolve("prefix/curve.csv")), "only the model files are copied");

        ModelVersion read = store.get(ModelKind.PGM, v.version());
        assertEquals(v, read);
        assertEquals("metal meta-train --design PREFIX", read.command());
        assertEquals(Map.of("tasks", "data/tasks.zip"), read.data());
        assertEquals(Map.of("macro_f1", 0.5), read.metrics());
        assertEquals(CLOCK.instant(), read.createdAt());
        assertEquals(List.of(v), store.list(ModelKind.PGM));
        assertEquals(List.of(), store.list(ModelKind.BASE));
    }

    @Test
    void nothingIsOverwrittenTheSameWeightsTwiceGetTwoVersions(@TempDir Path tmp) throws IOException {
        ModelStore store = new ModelStore(tmp.resolve("store"), CLOCK);
        Path prefix = pgm(tmp.resolve("prefix"), "PREFIX", FP, new byte[] {9});
        ModelVersion first = store.addPgm(List.of(prefix), HOW);
        ModelVersion second = store.addPgm(List.of(prefix), HOW);
        assertEquals(first.version() + "-2", second.version());
        assertEquals(first.contentSha256(), second.contentSha256());
        assertEquals(List.of(first.version(), second.version()),
                store.list(ModelKind.PGM).stream().map(ModelVersion::version).toList());
        assertEquals(second, store.findByContent(ModelKind.PGM, first.contentSha256()).orElseThrow(),
                "the newest version with these weights");
        assertTrue(store.findByContent(ModelKind.PGM, "0".repeat(64)).isEmpty());
        try (var staging = Files.list(store.root().resolve(ModelStore.STAGING))) {
            assertEquals(0, staging.count(), "no staging folder is left behind");
        }
    }

    @Test
    void theSameWeightsAssemblingPromptsAnotherWayAreNotTheSameContent(@TempDir Path tmp) throws IOException {
        ModelStore store = new ModelStore(tmp.resolve("store"), CLOCK);
        Path last = pgm(tmp.resolve("last"), "PREFIX", FP, new byte[] {7});
        Path kept = pgm(tmp.resolve("kept"), "PREFIX", FP, new byte[] {7});
        Files.writeString(kept.resolve("pgm.json"), Files.readString(kept.resolve("pgm.json"))
                .replace("\"k\":4", "\"k\":4,\"padding\":{\"passes_kept\":8}"));
        ModelVersion first = store.addPgm(List.of(last), HOW);
        assertEquals(first.contentSha256(), ModelStore.pgmContentSha256(List.of(last)),
                "a PGM without passes_kept hashes as before");
        assertTrue(!first.contentSha256().equals(ModelStore.pgmContentSha256(List.of(kept))),
                "passes_kept 8 is another PGM: a publish of it is not skipped as already stored");
        assertTrue(store.findByContent(ModelKind.PGM, ModelStore.pgmContentSha256(List.of(kept))).isEmpty());
    }

    @Test
    void versionsBeingWrittenAreNeverListed(@TempDir Path tmp) throws IOException {
        ModelStore store = new ModelStore(tmp.resolve("store"), CLOCK);
        ModelVersion whole = store.addPgm(List.of(pgm(tmp.resolve("p"), "PREFIX", FP, new byte[] {1})), HOW);
        // what a killed writer leaves: a staging folder, and (from a copy by hand) a folder without version.json
        pgm(store.root().resolve(ModelStore.STAGING).resolve("20260611T020312Z-deadbeef-x/prefix"), "PREFIX", FP, new byte[] {2});
        pgm(store.dir(ModelKind.PGM).resolve("half/prefix"), "PREFIX", FP, new byte[] {3});
        assertEquals(List.of(whole), store.list(ModelKind.PGM));
        String msg = assertThrows(ModelStoreException.class, () -> store.get(ModelKind.PGM, "half")).getMessage();
        assertTrue(msg.contains("no pgm version half") && msg.contains(whole.version()), msg);
    }

    @Test
    void inconsistentInputIsRefusedWithAReason(@TempDir Path tmp) throws IOException {
        ModelStore store = new ModelStore(tmp.resolve("store"), CLOCK);
        Path a = pgm(tmp.resolve("a"), "PREFIX", FP, new byte[] {1});
        Path b = pgm(tmp.resolve("b"), "DISCRETE", "f".repeat(64), new byte[] {2});
        Path c = pgm(tmp.resolve("c"), "PREFIX", FP, new byte[] {3});
        Path noWeights = pgm(tmp.resolve("d"), "HIDDEN_STATE", FP, new byte[] {4});
        Files.delete(noWeights.resolve("adapter.safetensors"));
        assertTrue(assertThrows(ModelStoreException.class, () -> store.addPgm(List.of(a, b), HOW)).getMessage()
                .contains("different base models"));
        assertTrue(assertThrows(ModelStoreException.class, () -> store.addPgm(List.of(a, c), HOW)).getMessage()
                .contains("two PGMs of design PREFIX"));
        assertTrue(assertThrows(ModelStoreException.class, () -> store.addPgm(List.of(noWeights), HOW)).getMessage()
                .contains("missing"));
        assertTrue(assertThrows(ModelStoreException.class, () -> store.get(ModelKind.PGM, "../x")).getMessage()
                .contains("not a version id"));
        assertEquals(List.of(), store.list(ModelKind.PGM));
    }

    @Test
    void aBaseVersionHoldsTheModelFilesAndItsFingerprint(@TempDir Path tmp) throws IOException {
        ModelStore store = new ModelStore(tmp.resolve("store"), CLOCK);
        Path model = Files.createDirectories(tmp.resolve("base"));
        Files.writeString(model.resolve("config.json"), "{}");
        Files.write(model.resolve("model.safetensors"), new byte[] {7, 7});
        Files.writeString(model.resolve("tokenizer.json"), "{}");
        Files.createDirectories(model.resolve("checkpoint"));
        ModelVersion v = store.addBase(model, FP, HOW);
        assertEquals(ModelKind.BASE, v.kind());
        assertEquals(FP, v.baseFingerprint());
        try (var files = Files.list(v.location())) {
            assertEquals(List.of("config.json", "model.safetensors", "tokenizer.json", "version.json"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(v, store.get(ModelKind.BASE, v.version()));
    }
}
