package io.metalprompt.train;

import java.nio.file.Path;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import io.metalprompt.lm.Gpt2Config;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;

/**
 * A new run started from a trained GPT-2 instead of random weights, with a longer context if asked: every weight is
 * copied, and a position table of {@code positions} rows keeps the source's rows and gets fresh random rows after
 * them (GPT-2's N(0, 0.02) start), which training on sequences of the full length then teaches. Below the source's
 * context the new model computes exactly what the source does.
 */
final class WarmStart {

    private WarmStart() {
    }

    static LanguageModel from(Path source, int positions, long seed) {
        try (LanguageModel src = LanguageModel.load(source, LmSettings.cpu())) {
            if (!(src.config() instanceof Gpt2Config c)) {
                throw new IllegalArgumentException("warm start needs a GPT-2 model; " + source + " is "
                        + src.config().family());
            }
            if (positions < c.maxPositions()) {
                throw new IllegalArgumentException("--positions " + positions + " is shorter than " + source + "'s "
                        + c.maxPositions() + " positions");
            }
            Gpt2Config grown = new Gpt2Config(c.vocabSize(), c.nLayer(), c.nHead(), c.dModel(), c.dFf(), positions,
                    c.layerNormEps(), c.bosId(), c.eosId());
            LanguageModel model = LanguageModel.init(grown, seed, LmSettings.cpu());
            Map<String, NDArray> from = src.parameters();
            model.parameters().forEach((name, to) -> {
                float[] values = from.get(name).toFloatArray();
                if (from.get(name).getShape().equals(to.getShape())) {
                    to.set(values);
                } else {   // the position table [positions, d]: the source's rows first, the new ones as initialised
                    float[] rows = to.toFloatArray();
                    System.arraycopy(values, 0, rows, 0, values.length);
                    to.set(rows);
                }
            });
            return model;
        }
    }
}
