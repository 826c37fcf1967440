package io.metalprompt.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.metalprompt.eval.Conditioners;
import io.metalprompt.tasks.TaskExample;

/** Serving and evaluation free what they make: the model's live-array count does not grow per call. */
class ScoringMemoryTest {

    @Test
    void liveArraysStayFlatAcrossScoringCalls() {
        try (LanguageModel model = LanguageModel.load(LmFixtures.gpt2(), LmSettings.cpu());
             LmTokenizer tokenizer = LmTokenizer.load(LmFixtures.gpt2())) {
            List<TaskExample> demos = List.of(new TaskExample("t", "a dog", "yes", List.of("yes", "no")),
                    new TaskExample("t", "a car", "no", List.of("yes", "no")));
            BatchScorer scorer = new BatchScorer(model);
            List<Integer> live = new ArrayList<>();
            for (int call = 0; call < 5; call++) {
                try (KvCache prefix = Conditioners.demonstrations(model, tokenizer, demos)) {
                    scorer.score(List.of(new BatchScorer.Query(prefix, new long[] {5, 6, 7}, List.of(new long[] {8}, new long[] {9, 10})),
                            new BatchScorer.Query(null, new long[] {11}, List.of(new long[] {8}))));
                }
                live.add(model.manager().getManagedArrays().size());
            }
            assertEquals(1, live.stream().distinct().count(), "live arrays grew across calls: " + live);
        }
    }
}
