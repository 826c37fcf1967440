package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The projection hook sees every projection of every layer and its output is what the model uses. */
class AdapterHookTest {

    private static Set<String> seen(String name, String... expected) {
        Set<String> calls = new TreeSet<>();
        try (LanguageModel model = LanguageModel.load(LmFixtures.root().resolve(name), LmSettings.cpu());
                NDManager m = model.manager().newSubManager()) {
            NDArray ids = m.create(new long[] {5, 9, 40, 41}, new Shape(1, 4));
            float[] base = model.forward(ForwardInput.builder().setTokens(ids, null).build()).logits().toFloatArray();
            float[] identity = model.forward(ForwardInput.builder().setTokens(ids, null).optAdapter((l, p, in, out) -> {
                calls.add(l + ":" + p);
                assertEquals(in.getShape().get(1), out.getShape().get(1));
                return out;
            }).build()).logits().toFloatArray();
            assertArrayEquals(base, identity, "an identity adapter must not change logits");
            float[] shifted = model.forward(ForwardInput.builder().setTokens(ids, null)
                    .optAdapter((l, p, in, out) -> l == 1 && p.equals(expected[expected.length - 1]) ? out.mul(1.5f) : out)
                    .build()).logits().toFloatArray();
            double diff = 0;
            for (int i = 0; i < base.length; i++) {
                diff = Math.max(diff, Math.abs(base[i] - shifted[i]));
            }
            assertTrue(diff > 1e-3, "the adapter's output must be used");
        }
        Set<String> want = new TreeSet<>();
        for (int l = 0; l < 2; l++) {
            for (String p : expected) {
                want.add(l + ":" + p);
            }
        }
        assertEquals(want, calls);
        return calls;
    }

    @Test
    void gpt2Projections() {
        seen("gpt2-tiny", "c_attn", "c_proj", "c_fc", "mlp.c_proj");
    }

    @Test
    void llamaProjections() {
        seen("llama-tiny", "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    }
}
