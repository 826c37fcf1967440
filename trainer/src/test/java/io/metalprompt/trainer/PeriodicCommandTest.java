package io.metalprompt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.metalprompt.events.ModelPublished;
import io.metalprompt.lm.LmFixtures;
import io.metalprompt.models.ModelKind;
import io.metalprompt.models.ModelPublisher;
import io.metalprompt.models.ModelStore;
import io.metalprompt.models.ModelVersion;
import io.metalprompt.tasks.TestData;
import io.metalprompt.testing.TestInfrastructure;
import io.metalprompt.testing.TinyModels;

/**
 * The trainer's model-store commands and a smoke run of the periodic job with the tiny GPT-2 fixture and a few
 * steps, against a real broker: bounded resumable runs, the first version published, a worse one kept, the same
 * one recognised, and a failure reported with its reason and a non-zero exit code.
 */
class PeriodicCommandTest {

    private static List<String> periodic(Path store, Path config, String... extra) {
        List<String> a = new ArrayList<>(List.of("periodic", "--store", store.toString(),
                "--base", LmFixtures.gpt2().toString(), "--tasks", TestData.tasksZip().toString(),
                "--lexicon", TestData.dataDir().resolve("lexicon.json").toString(), "--config", config.toString(),
                "--design", "PREFIX", "--k", "4", "--lora-rank", "4", "--lora-alpha", "8", "--steps", "4",
                "--steps-per-run", "2", "--episodes", "2", "--queries", "2", "--m-min", "1", "--m-max", "3",
                "--l-max", "1", "--checkpoint-every", "2", "--lr", "1e-2", "--warmup", "1", "--eval-seeds", "100",
                "--kafka", TestInfrastructure.get().kafkaBootstrap()));
        a.addAll(List.of(extra));
        return a;
    }

    private static ModelPublisher publisher() {
        return new ModelPublisher(TestInfrastructure.get().kafkaBootstrap(), Map.of(), Duration.ofSeconds(30));
    }

    @Test
    void theJobTrainsInBoundedRunsPublishesTheFirstVersionAndKeepsItAgainstAWorseOrTheSameOne(@TempDir Path tmp)
            throws IOException {
        Path store = tmp.resolve("store");
        Path config = Files.writeString(tmp.resolve("held-out.json"), "{\"train\": [], \"test\": [\"dev_000\"]}");
        ModelStore models = new ModelStore(store);

        MetalCli.Run first = MetalCli.run(periodic(store, config));
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("meta-training at step 2 of 4"), first.out());
        assertEquals(List.of(), models.list(ModelKind.PGM), "nothing is stored before the PGM is finished");

        // nothing published yet: the new PGM competes with the prompt-generators' start-up PGM (tolerating a whole
        // point of macro-F1 less, so it is published whatever four steps of training gave)
        Path startUp = Path.of(TinyModels.config().get("metal.model.pgm"));
        MetalCli.Run second = MetalCli.run(periodic(store, config, "--start-up-pgm", startUp.toString(), "--threshold", "1"));
        assertEquals(0, second.code(), second.err());
        assertTrue(second.out().contains("periodic: published PGM version"), second.out());
        assertTrue(second.out().contains("(the start-up PGM " + startUp.resolve("prefix") + ") - threshold 1.0000"),
                second.out());
        List<ModelVersion> versions = models.list(ModelKind.PGM);
        assertEquals(1, versions.size());
        ModelVersion v1 = versions.get(0);
        assertTrue(v1.metrics().containsKey("eval.macro_f1") && v1.metrics().containsKey("eval.accuracy"), v1.metrics().toString());
        assertEquals("start-up:" + startUp.resolve("prefix"), v1.data().get("comparedWith"));
        assertTrue(v1.command().startsWith("metal periodic --store"), v1.command());
        assertFalse(Files.exists(store.resolve("work/periodic-prefix")), "the next run starts a new cycle");
        try (ModelPublisher publisher = publisher()) {
            assertEquals(v1.version(), publisher.current(v1.baseFingerprint()).orElseThrow().pgmVersion());
        }

        // another seed gives another PGM; asking for a gain of a whole point of macro-F1 keeps the version in force
        assertEquals(0, MetalCli.run(periodic(store, config, "--seed", "2", "--threshold", "-1")).code());
        MetalCli.Run worse = MetalCli.run(periodic(store, config, "--seed", "2", "--threshold", "-1"));
        assertEquals(0, worse.code(), worse.err());
        assertTrue(worse.out().contains("periodic: kept PGM version " + v1.version()), worse.out());
        assertTrue(worse.out().contains("stays in the store unpublished"), worse.out());
        assertEquals(2, models.list(ModelKind.PGM).size());
        assertEquals(v1.version(), models.list(ModelKind.PGM).get(1).data().get("comparedWith"));

        // the same data and seed again give the same weights: nothing new to publish
        assertEquals(0, MetalCli.run(periodic(store, config)).code());
        MetalCli.Run same = MetalCli.run(periodic(store, config));
        assertEquals(0, same.code(), same.err());
        assertTrue(same.out().contains("kept PGM version " + v1.version() + ": the new PGM has the same weights"), same.out());
        assertEquals(2, models.list(ModelKind.PGM).size());
        try (ModelPublisher publisher = publisher()) {
            assertEquals(v1.version(), publisher.current(v1.baseFingerprint()).orElseThrow().pgmVersion());
        }
    }

    @Test
    void aMissingConfigIsBadInputWithItsReason(@TempDir Path tmp) {
        MetalCli.Run r = MetalCli.run(periodic(tmp.resolve("store"), tmp.resolve("missing.json")));
        assertEquals(CliErrors.BAD_INPUT, r.code());
        assertTrue(r.err().startsWith("metal periodic: no config file " + tmp.resolve("missing.json")), r.err());
    }

    @Test
    void aCheckpointThatCannotBeReadFailsTheRunWithItsReason(@TempDir Path tmp) throws IOException {
        Path config = Files.writeString(tmp.resolve("held-out.json"), "{\"train\": [], \"test\": [\"dev_000\"]}");
        Path work = Files.createDirectories(tmp.resolve("work/checkpoint"));
        Files.writeString(work.resolve("state.json"), "{");
        MetalCli.Run r = MetalCli.run(periodic(tmp.resolve("store"), config, "--work", tmp.resolve("work").toString()));
        assertEquals(CliErrors.FAILED, r.code());
        assertTrue(r.err().startsWith("metal periodic: failed: cannot read " + work.resolve("state.json")), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void theConfigMayBeAFileInsideTheTaskTree(@TempDir Path tmp) {
        List<String> args = periodic(tmp.resolve("store"), Path.of("config/cls_to_cls_dev.json"));
        args.set(args.indexOf("--steps-per-run") + 1, "1");
        MetalCli.Run r = MetalCli.run(args);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("meta-training at step 1 of 4"), r.out());
    }

    @Test
    void storeCommandsAddListAndPublishAVersionAndRollBack(@TempDir Path tmp) throws IOException {
        String fp = "fp-" + UUID.randomUUID();
        Path pgm = Files.createDirectories(tmp.resolve("pgm"));
        Files.writeString(pgm.resolve("pgm.json"), "{\"format\":1,\"design\":\"PREFIX\",\"base_fingerprint\":\"" + fp + "\"}");
        Files.write(pgm.resolve("adapter.safetensors"), new byte[] {1, 2});
        Path store = tmp.resolve("store");

        MetalCli.Run add1 = MetalCli.run(List.of("store", "add", "--store", store.toString(), "--pgm", pgm.toString(), "--metric", "eval.macro_f1=0.5"));
        assertEquals(0, add1.code(), add1.err());
        String v1 = add1.out().strip();
        MetalCli.Run add2 = MetalCli.run(List.of("store", "add", "--store", store.toString(), "--pgm", pgm.toString()));
        String v2 = add2.out().strip();
        // ids are <UTC second>-<content hash>[-n]: the second add may fall in the next second, so no exact id here
        // (ModelStoreTest checks the -2 suffix with a fixed clock)
        assertNotEquals(v1, v2, "the same PGM added twice is two versions");
        assertEquals(v1.split("-")[1], v2.split("-")[1], "both name the same content");
        assertTrue(v2.compareTo(v1) > 0, "the later version sorts after the earlier: " + v1 + " " + v2);
        MetalCli.Run list = MetalCli.run(List.of("store", "list", "--store", store.toString()));
        assertTrue(list.out().contains(v1) && list.out().contains(v2) && list.out().contains("eval.macro_f1=0.5000"), list.out());

        String kafka = TestInfrastructure.get().kafkaBootstrap();
        for (String v : List.of(v1, v2, v1)) {
            MetalCli.Run r = MetalCli.run(List.of("store", "publish", "--store", store.toString(), "--id", v, "--kafka", kafka));
            assertEquals(0, r.code(), r.err());
        }
        try (ModelPublisher publisher = publisher()) {
            ModelPublished current = publisher.current(fp).orElseThrow();
            assertEquals(v1, current.pgmVersion(), "publishing the older version again rolled back to it");
            assertEquals(store.resolve("pgm").resolve(v1).toAbsolutePath().toString(), current.location());
        }
        MetalCli.Run unknown = MetalCli.run(List.of("store", "publish", "--store", store.toString(), "--id", "nope", "--kafka", kafka));
        assertEquals(CliErrors.FAILED, unknown.code());
        assertTrue(unknown.err().startsWith("metal store publish: failed: ") && unknown.err().contains("no pgm version nope"),
                unknown.err());
    }
}
