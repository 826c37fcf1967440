package io.metalprompt.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmFixtures;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.ModelLoadException;
import io.metalprompt.lm.Safetensors;
import io.metalprompt.tasks.TestData;

/** A few meta-training steps on the GPT-2 fixture: output folder, loading, fingerprint check, exact resume. */
class MetaTrainerTest {

    private static MetaTrainerOptions options(Path out, PromptDesign design, int stopAfter) {
        return MetaTrainerOptions.builder(out, LmFixtures.gpt2()).optTasks(TestData.tasksZip())
                .optLexicon(TestData.dataDir().resolve("lexicon.json")).optDesign(design).optK(4)
                .optPlacement(PaddingPlacement.INTERLEAVED).optLora(4, 8).optSeed(7).optSteps(4).optEpisodes(2, 2)
                .optM(1, 3).optL(0, 1).optSyntheticFraction(0.5).optRemapFraction(0.5).optLr(1e-2, 1)
                .optTemperature(1.0).optClipNorm(1.0).optDistill(0.5).optCheckpointEvery(2).optStopAfter(stopAfter)
                .optCommand("metal meta-train (test)").build();
    }

    @Test
    void resumedRunEqualsUninterruptedRunAndTheResultLoads(@TempDir Path tmp) {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        Path straight = tmp.resolve("straight");
        double loss = new MetaTrainer(options(straight, PromptDesign.DISCRETE, 0), quiet).run();
        assertTrue(Double.isFinite(loss), "loss " + loss);

        Path resumed = tmp.resolve("resumed");
        assertTrue(Double.isNaN(new MetaTrainer(options(resumed, PromptDesign.DISCRETE, 2), quiet).run()));
        assertTrue(Files.exists(resumed.resolve("checkpoint/state.json")), "a stopped run leaves a checkpoint");
        assertFalse(Files.exists(resumed.resolve(PromptGenerator.CONFIG_FILE)), "a stopped run publishes no PGM");
        new MetaTrainer(options(resumed, PromptDesign.DISCRETE, 0), quiet).run();

        for (String f : new String[] {PromptGenerator.CONFIG_FILE, PromptGenerator.ADAPTER_FILE, "curve.csv", "loss.png"}) {
            assertTrue(Files.exists(straight.resolve(f)), f);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> a = Safetensors.read(straight.resolve(PromptGenerator.ADAPTER_FILE), m);
            Map<String, NDArray> b = Safetensors.read(resumed.resolve(PromptGenerator.ADAPTER_FILE), m);
            assertEquals(a.keySet(), b.keySet());
            a.forEach((n, x) -> assertArrayEquals(x.toFloatArray(), b.get(n).toFloatArray(), n));
        }

        try (LanguageModel base = LanguageModel.load(LmFixtures.gpt2(), LmSettings.cpu());
             PromptGenerator g = PromptGenerator.load(base, straight)) {
            assertEquals(PromptDesign.DISCRETE, g.design());
            assertEquals(4, g.k());
            assertEquals(PaddingPlacement.INTERLEAVED, g.placement(), "the placement travels in pgm.json");
            assertEquals("straight", g.id());
            assertFalse(g.version().isBlank());
            try (NDManager m = NDManager.newBaseManager()) {
                Map<String, NDArray> saved = Safetensors.read(straight.resolve(PromptGenerator.ADAPTER_FILE), m);
                g.parameters().forEach((n, x) -> assertArrayEquals(saved.get(n).toFloatArray(), x.toFloatArray(), n));
            }
        }
        try (LanguageModel other = LanguageModel.load(LmFixtures.llama(), LmSettings.cpu())) {
            String msg = assertThrows(ModelLoadException.class, () -> PromptGenerator.load(other, straight)).getMessage();
            assertTrue(msg.contains("was trained on base model"), msg);
        }
    }

    @Test
    void iterativeEpisodesResumeExactlyAndTheirPgmReadsPassesOfMMaxExamples(@TempDir Path tmp) {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        java.util.function.BiFunction<Path, Integer, MetaTrainerOptions> options = (out, stopAfter) ->
                MetaTrainerOptions.builder(out, LmFixtures.gpt2()).optTasks(TestData.tasksZip())
                        .optLexicon(TestData.dataDir().resolve("lexicon.json")).optDesign(PromptDesign.PREFIX).optK(4)
                        .optLora(4, 8).optSeed(5).optSteps(6).optEpisodes(2, 2).optM(1, 3).optL(0, 1)
                        .optPasses(3).optLr(1e-2, 1).optCheckpointEvery(3).optStopAfter(stopAfter).build();
        Path straight = tmp.resolve("straight");
        assertTrue(Double.isFinite(new MetaTrainer(options.apply(straight, 0), quiet).run()));
        Path resumed = tmp.resolve("resumed");
        new MetaTrainer(options.apply(resumed, 3), quiet).run();
        new MetaTrainer(options.apply(resumed, 0), quiet).run();
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> a = Safetensors.read(straight.resolve(PromptGenerator.ADAPTER_FILE), m);
            Map<String, NDArray> b = Safetensors.read(resumed.resolve(PromptGenerator.ADAPTER_FILE), m);
            a.forEach((n, x) -> assertArrayEquals(x.toFloatArray(), b.get(n).toFloatArray(), n));
        }
        try (LanguageModel base = LanguageModel.load(LmFixtures.gpt2(), LmSettings.cpu());
             PromptGenerator g = PromptGenerator.load(base, straight)) {
            assertEquals(3, g.layout().examplesPerPass(), "passes of at most m-max examples");
        }
        assertThrows(IllegalArgumentException.class, () -> MetaTrainerOptions.builder(tmp, LmFixtures.gpt2())
                .optPasses(2).optDistill(0.5).build(), "distillation reads one pass");
    }

    @Test
    void aWarmStartBeginsFromTheSavedPgmAndRefusesAnotherDesign(@TempDir Path tmp) {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        Path first = tmp.resolve("first");
        new MetaTrainer(options(first, PromptDesign.DISCRETE, 0), quiet).run();
        // a learning rate of 1e-9 moves an AdamW parameter by about 1e-9 a step: the values stay the saved PGM's
        java.util.function.Function<Path, MetaTrainerOptions.Builder> tiny = out -> MetaTrainerOptions
                .builder(out, LmFixtures.gpt2()).optTasks(TestData.tasksZip())
                .optLexicon(TestData.dataDir().resolve("lexicon.json")).optDesign(PromptDesign.DISCRETE).optK(4)
                .optLora(4, 8).optSeed(8).optSteps(2).optEpisodes(2, 2).optM(1, 3).optL(0, 1).optLr(1e-9, 1);
        new MetaTrainer(tiny.apply(tmp.resolve("warm")).optInitFrom(first).build(), quiet).run();
        new MetaTrainer(tiny.apply(tmp.resolve("fresh")).build(), quiet).run();
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> a = Safetensors.read(first.resolve(PromptGenerator.ADAPTER_FILE), m);
            Map<String, NDArray> warm = Safetensors.read(tmp.resolve("warm").resolve(PromptGenerator.ADAPTER_FILE), m);
            Map<String, NDArray> fresh = Safetensors.read(tmp.resolve("fresh").resolve(PromptGenerator.ADAPTER_FILE), m);
            assertEquals(a.keySet(), warm.keySet());
            a.forEach((n, x) -> assertArrayEquals(x.toFloatArray(), warm.get(n).toFloatArray(), 1e-6f, n));
            assertTrue(a.entrySet().stream().anyMatch(e -> e.getValue().sub(fresh.get(e.getKey())).abs().max()
                    .getFloat() > 1e-3), "without the warm start the run keeps its own initialisation");
        }
        MetaTrainerOptions prefix = tiny.apply(tmp.resolve("prefix")).optDesign(PromptDesign.PREFIX).optInitFrom(first)
                .build();
        String msg = assertThrows(IllegalArgumentException.class, () -> new MetaTrainer(prefix, quiet).run()).getMessage();
        assertTrue(msg.contains("is a DISCRETE PGM"), msg);
        MetaTrainerOptions rank8 = tiny.apply(tmp.resolve("rank8")).optLora(8, 16).optInitFrom(first).build();
        msg = assertThrows(ModelLoadException.class, () -> new MetaTrainer(rank8, quiet).run()).getMessage();
        assertTrue(msg.contains("has shape"), msg);
    }

    /** Mean of column 1 (loss) over data rows [from, to) of curve.csv. */
    private static double meanLoss(List<String> csv, int from, int to) {
        return csv.subList(1 + from, 1 + to).stream().mapToDouble(l -> Double.parseDouble(l.split(",")[1])).average()
                .orElseThrow();
    }

    @Test
    void metaTrainingLowersTheAnswerLoss(@TempDir Path tmp) throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        for (PromptDesign design : List.of(PromptDesign.HIDDEN_STATE, PromptDesign.PREFIX)) {
            Path out = tmp.resolve(design.name());
            MetaTrainerOptions o = MetaTrainerOptions.builder(out, LmFixtures.gpt2()).optTasks(TestData.tasksZip())
                    .optLexicon(TestData.dataDir().resolve("lexicon.json")).optDesign(design).optK(4)
                    .optPlacement(design == PromptDesign.PREFIX ? PaddingPlacement.INTERLEAVED : PaddingPlacement.END)
                    .optLora(4, 8).optSeed(3).optSteps(40).optEpisodes(4, 4).optM(1, 2).optL(0, 1)
                    .optSyntheticFraction(1.0).optRemapFraction(0.0).optLr(1e-2, 4).optTemperature(1.0).optClipNorm(1.0)
                    .optDistill(0.0).optCheckpointEvery(100).optStopAfter(0).optCommand("test").build();
            new MetaTrainer(o, quiet).run();
            List<String> csv = Files.readAllLines(out.resolve("curve.csv"));
            double first = meanLoss(csv, 0, 8);
            double last = meanLoss(csv, 32, 40);
            System.out.printf("meta-training %s on the GPT-2 fixture: loss %.3f (steps 1-8) -> %.3f (steps 33-40)%n",
                    design, first, last);
            assertTrue(last < first - 0.1, design + ": loss " + first + " -> " + last);
        }
    }
}
