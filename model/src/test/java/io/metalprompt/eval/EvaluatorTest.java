package io.metalprompt.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.metalprompt.lm.BatchScorer;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmFixtures;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.tasks.TaskConfig;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.tasks.TestData;
import io.metalprompt.text.IclFormat;

/** The evaluator's predictions are those of scoring each option after the whole demonstrations + query text. */
class EvaluatorTest {

    @Test
    void iclPredictionsEqualWholeTextScoring() {
        try (LanguageModel model = LanguageModel.load(LmFixtures.gpt2(), LmSettings.cpu());
             LmTokenizer tokenizer = LmTokenizer.load(LmFixtures.gpt2());
             TaskRoot root = TaskRoot.open(TestData.tasksZip())) {
            List<TaskExample> demos = TaskLoader.loadFewShot(root.resolve("dev"), "dev_000", 16, 13).subList(0, 4);
            List<TaskExample> test = TaskLoader.loadTest(root.resolve("dev"), "dev_000").subList(0, 12);
            List<String> options = test.get(0).options();

            List<String> expected = new ArrayList<>();
            for (TaskExample e : test) {
                String context = IclFormat.renderDemonstrations(demos) + IclFormat.queryText(e.input(), true);
                double[] s = new BatchScorer(model).score(List.of(new BatchScorer.Query(null, tokenizer.encode(context),
                        options.stream().map(o -> tokenizer.encode(IclFormat.renderAnswer(o))).toList())))[0];
                expected.add(options.get(Evaluator.argMax(s)));
            }
            Metrics.Score want = Metrics.score(options, test.stream().map(TaskExample::output).toList(), expected);
            Metrics.Score got = new Evaluator(model, tokenizer).evaluate(demos, test, Conditioners.icl(model, tokenizer, Conditioners.QUERY_RESERVE));
            assertEquals(want, got);
        }
    }

    @Test
    void iclKeepsTheLongestBeginningOfTheExamplesThatLeavesTheReserveFree() {
        try (LanguageModel model = LanguageModel.load(LmFixtures.gpt2(), LmSettings.cpu());
             LmTokenizer tokenizer = LmTokenizer.load(LmFixtures.gpt2());
             TaskRoot root = TaskRoot.open(TestData.tasksZip())) {
            List<TaskExample> demos = TaskLoader.loadFewShot(root.resolve("dev"), "dev_006", 16, 13);
            int max = model.config().maxPositions();
            int full = tokenizer.encode(IclFormat.renderDemonstrations(demos)).length;
            assertTrue(full > max / 2, "the fixture must be short enough for this test to cut: " + full + " vs " + max);
            for (int reserve : new int[] {max / 2, max - full / 3}) {
                List<TaskExample> kept = Conditioners.fitting(model, tokenizer, demos, reserve);
                assertEquals(demos.subList(0, kept.size()), kept);
                assertTrue(kept.size() < demos.size(), "nothing cut with reserve " + reserve);
                assertTrue(tokenizer.encode(IclFormat.renderDemonstrations(kept)).length <= max - reserve);
                List<TaskExample> oneMore = demos.subList(0, kept.size() + 1);
                assertTrue(tokenizer.encode(IclFormat.renderDemonstrations(oneMore)).length > max - reserve);
            }
            assertEquals(demos, Conditioners.fitting(model, tokenizer, demos, max - full));
        }
    }

    @Test
    void runsAConfigOverSeedsAndAveragesTasks() {
        try (LanguageModel model = LanguageModel.load(LmFixtures.gpt2(), LmSettings.cpu());
             LmTokenizer tokenizer = LmTokenizer.load(LmFixtures.gpt2());
             TaskRoot root = TaskRoot.open(TestData.tasksZip())) {
            TaskConfig config = new TaskConfig(List.of(), List.of("dev_003", "dev_007"));
            Evaluator.Report report = new Evaluator(model, tokenizer)
                    .run(root.path(), config, 16, List.of(100, 13), Conditioners.zeroShot(), line -> { });
            assertEquals(List.of("dev_003", "dev_007"), new ArrayList<>(report.tasks().keySet()));
            double meanF1 = report.tasks().values().stream().mapToDouble(t -> t.mean().macroF1()).average().orElseThrow();
            assertEquals(meanF1, report.mean().macroF1(), 1e-12);
            report.tasks().values().forEach(t -> assertEquals(2, t.seeds().size()));
            assertTrue(report.mean().accuracy() >= 0 && report.mean().accuracy() <= 1);
        }
    }

    @Test
    void costsCountThePrefixPositionsItsKeyValueBytesAndTheStoredDemonstrations() {
        try (LanguageModel model = LanguageModel.load(LmFixtures.gpt2(), LmSettings.cpu());
             LmTokenizer tokenizer = LmTokenizer.load(LmFixtures.gpt2());
             TaskRoot root = TaskRoot.open(TestData.tasksZip())) {
            List<TaskExample> demos = TaskLoader.loadFewShot(root.resolve("dev"), "dev_000", 16, 13).subList(0, 4);
            List<TaskExample> test = TaskLoader.loadTest(root.resolve("dev"), "dev_000").subList(0, 8);
            String text = IclFormat.renderDemonstrations(demos);
            long positions = tokenizer.encode(text).length;

            Evaluator icl = new Evaluator(model, tokenizer);
            icl.evaluate(demos, test, Conditioners.icl(model, tokenizer, Conditioners.QUERY_RESERVE));
            Evaluator.Costs c = icl.costs();
            assertEquals(positions, c.prefixPositions(), 1e-9);
            var cfg = model.config();   // keys + values, every layer, float32
            assertEquals(2.0 * cfg.nLayer() * cfg.nKvHead() * cfg.headDim() * positions * 4, c.prefixBytes(), 1e-9);
            assertEquals(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, c.storedBytes(), 1e-9);
            assertTrue(c.conditionMillis() > 0 && c.queryMillis() > 0, c.toString());

            Evaluator zero = new Evaluator(model, tokenizer);
            zero.evaluate(demos, test, Conditioners.zeroShot());
            assertEquals(0, zero.costs().prefixPositions());
            assertEquals(0, zero.costs().prefixBytes());
            assertEquals(0, zero.costs().storedBytes());
        }
    }
}
