package io.metalprompt.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.metalprompt.lm.ForwardInput;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmFixtures;
import io.metalprompt.lm.LmSettings;

/** A warm start with a longer context computes what its source does on the source's positions. */
class WarmStartTest {

    @Test
    void aGrownModelEqualsItsSourceBelowTheSourcesContextAndHasNewPositionRows() {
        try (LanguageModel src = LanguageModel.load(LmFixtures.gpt2(), LmSettings.cpu());
             LanguageModel grown = WarmStart.from(LmFixtures.gpt2(), src.config().maxPositions() + 24, 3);
             NDManager m = NDManager.newBaseManager()) {
            int n = src.config().maxPositions();
            assertEquals(n + 24, grown.config().maxPositions());
            NDArray wpe = grown.parameters().get("transformer.wpe.weight");
            assertEquals(new Shape(n + 24, src.config().dModel()), wpe.getShape());
            long[] ids = new long[n];
            for (int i = 0; i < n; i++) {
                ids[i] = (7L * i + 3) % src.config().vocabSize();
            }
            NDArray tokens = m.create(ids, new Shape(1, n));
            float[] want = src.forward(ForwardInput.builder().setTokens(tokens, null).build()).logits().toFloatArray();
            float[] got = grown.forward(ForwardInput.builder().setTokens(tokens, null).build()).logits().toFloatArray();
            assertArrayEquals(want, got, 0f);
            // the new rows are a fresh start, not zeros or copies of old rows
            float[] newRow = wpe.get(n + 5).toFloatArray();
            double norm = 0;
            for (float v : newRow) {
                norm += v * v;
            }
            assertEquals(0.02 * Math.sqrt(newRow.length), Math.sqrt(norm), 0.02 * Math.sqrt(newRow.length) * 0.5);
        }
    }

    @Test
    void aShorterContextThanTheSourcesIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> WarmStart.from(LmFixtures.gpt2(), 8, 3));
    }
}
