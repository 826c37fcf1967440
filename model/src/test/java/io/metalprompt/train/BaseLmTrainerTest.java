package io.metalprompt.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.tasks.TestData;

/** A few-step smoke run: the output is a loadable model folder, and a killed-and-resumed run ends identical. */
class BaseLmTrainerTest {

    private static BaseLmOptions options(Path out, int stopAfter) {
        Path data = TestData.dataDir();
        return BaseLmOptions.builder(out).optTasks(data.resolve("tasks.zip")).optLexicon(data.resolve("lexicon.json"))
                .optTokenizer(data.resolve("tokenizer.json")).optSeed(7).optSteps(4).optBatchSize(4).optMaxTokens(64)
                .optLayers(1).optHeads(2).optDModel(32).optLr(3e-3).optWarmupSteps(2).optCurriculum(2, 48)
                .optCheckpointEvery(2).optStopAfter(stopAfter).build();
    }

    @Test
    void resumedRunEqualsUninterruptedRun(@TempDir Path tmp) throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        Path straight = tmp.resolve("straight");
        double loss = new BaseLmTrainer(options(straight, 0), quiet).run();
        assertTrue(Double.isFinite(loss), "loss " + loss);

        Path resumed = tmp.resolve("resumed");
        new BaseLmTrainer(options(resumed, 2), quiet).run();
        assertTrue(Files.exists(resumed.resolve("checkpoint/state.json")), "a stopped run leaves a checkpoint");
        assertTrue(!Files.exists(resumed.resolve("model.safetensors")), "a stopped run publishes no model");
        new BaseLmTrainer(options(resumed, 0), quiet).run();

        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json", "training.json", "loss.png",
                "curve.csv"}) {
            assertTrue(Files.exists(straight.resolve(f)), f);
        }
        assertTrue(Files.readAllLines(resumed.resolve("curve.csv")).size() == 5, "header + 4 steps, no duplicates");
        try (LanguageModel a = LanguageModel.load(straight, LmSettings.cpu());
             LanguageModel b = LanguageModel.load(resumed, LmSettings.cpu());
             LmTokenizer tokenizer = LmTokenizer.load(straight)) {
            assertTrue(tokenizer.encode("the dog alpha ;").length > 0);
            for (String name : a.parameters().keySet()) {
                assertArrayEquals(a.parameters().get(name).toFloatArray(), b.parameters().get(name).toFloatArray(),
                        name);
            }
        }
    }

    @Test
    void seenAccuracyCountsOnlyAnswersWhoseLabelAnsweredBefore() {
        // row: x = A ; x = B ; x = A ; x = A  (answers at 2, 6, 10, 14; ids: A=5, B=6)
        int[][] ids = {{1, 2, 5, 3, 1, 2, 6, 3, 1, 2, 5, 3, 1, 2, 5}};
        float[][] masks = {{0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}};
        float[] hits = new float[14];                 // hits[j-1] is the prediction of token j
        hits[10 - 1] = 1;                             // the first seen A right, the second wrong
        hits[2 - 1] = 1;                              // first answers are not counted, right or wrong
        assertEquals(0.5, BaseLmLoss.seenAccuracy(
                new CorpusSampler.Batch(ids, masks, new boolean[] {false}), hits, 15), 1e-9);
    }

    @Test
    void seenAccuracyIgnoresLookbackRows() {
        // row 0 as above; row 1 a look-back row whose repeated masked token would otherwise count as "seen"
        int[][] ids = {{1, 2, 5, 3, 1, 2, 6, 3, 1, 2, 5, 3, 1, 2, 5}, {7, 8, 7, 9, 8, 9, 7, 8, 7, 9, 8, 9, 7, 8, 7}};
        float[][] masks = {{0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}, {0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1}};
        float[] hits = new float[28];
        hits[10 - 1] = 1;
        for (int j = 2; j < 15; j += 3) {
            hits[14 + j - 1] = 1;                     // every look-back answer right: must not lift the score
        }
        assertEquals(0.5, BaseLmLoss.seenAccuracy(
                new CorpusSampler.Batch(ids, masks, new boolean[] {false, true}), hits, 15), 1e-9);
    }

    @Test
    void sinusoidalPositionsMakeRowSimilarityDependOnDistanceOnly() {
        var config = new io.metalprompt.lm.Gpt2Config(20, 1, 2, 16, 64, 32, 1e-5, 0, 0);
        try (var model = io.metalprompt.lm.LanguageModel.init(config, 1, io.metalprompt.lm.LmSettings.cpu())) {
            BaseLmTrainer.sinusoidalPositions(model);
            float[] w = model.parameters().get("transformer.wpe.weight").toFloatArray();
            java.util.function.BiFunction<Integer, Integer, Double> dot = (a, b) -> {
                double s = 0;
                for (int k = 0; k < 16; k++) {
                    s += w[a * 16 + k] * w[b * 16 + k];
                }
                return s;
            };
            assertEquals(dot.apply(3, 5), dot.apply(20, 22), 1e-6);
            assertEquals(dot.apply(0, 7), dot.apply(10, 17), 1e-6);
            assertTrue(dot.apply(9, 10) > dot.apply(9, 20), "near rows are more alike than far ones");
        }
    }
}
