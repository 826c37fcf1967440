package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Option scores equal the sum of per-token log-probs read off a plain forward of context + option. */
class ScorerTest {

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void optionScoreIsSumOfTokenLogProbsFromFullLogits(String name) {
        try (LanguageModel model = LanguageModel.load(LmFixtures.root().resolve(name), LmSettings.cpu());
                LmTokenizer tok = LmTokenizer.load(LmFixtures.root().resolve(name));
                NDManager m = model.manager().newSubManager()) {
            long[] context = tok.encode("Review: terrible plot acting. Sentiment:");
            List<long[]> options = List.of(tok.encode(" negative"), tok.encode(" positive and happy"), new long[] {65},
                    tok.encode(" meh"));
            List<Scorer.OptionScore> scores = new Scorer(model).score(context, options);
            assertEquals(options.size(), scores.size());
            for (int i = 0; i < options.size(); i++) {
                long[] opt = options.get(i);
                long[] ids = BatchConsistencyTest.concat(context, opt);
                NDArray logp = model.forward(ForwardInput.builder()
                        .setTokens(m.create(ids, new Shape(1, ids.length)), null).build()).logits().logSoftmax(-1);
                double want = 0;
                for (int j = 0; j < opt.length; j++) {
                    want += logp.getFloat(0, context.length - 1 + j, opt[j]);
                }
                Scorer.OptionScore s = scores.get(i);
                assertEquals(opt.length, s.tokens());
                assertEquals(want, s.sum(), 1e-4, name + " option " + i);
                assertEquals(want / opt.length, s.mean(), 1e-4, name + " option " + i + " mean");
            }
            assertThrows(IllegalArgumentException.class, () -> new Scorer(model).score(new long[0], options));
        }
    }
}
