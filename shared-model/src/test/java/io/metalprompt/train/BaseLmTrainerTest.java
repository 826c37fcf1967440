package io.metalprompt.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    private static BaseLmTrainer.Options options(Path out, int stopAfter) {
        Path data = TestData.dataDir();
        return new BaseLmTrainer.Options(out, data.resolve("tasks.zip"), data.resolve("lexicon.json"),
                data.resolve("tokenizer.json"), 7, 4, 4, 64, 1, 2, 32, 3e-3, 2, 1.0, 0.05, 0.25, 0.5, 0.2, 0.5, 2, 2, 48,
                2, stopAfter);
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
            assertTrue(tokenizer.encode("the dog = alpha ;").length > 0);
            for (String name : a.parameters().keySet()) {
                assertArrayEquals(a.parameters().get(name).toFloatArray(), b.parameters().get(name).toFloatArray(),
                        name);
            }
        }
    }
}
