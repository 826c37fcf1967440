package io.metalprompt.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.metalprompt.lm.ForwardInput;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmFixtures;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.ModelLoadException;
import io.metalprompt.lm.ProjectionAdapter;

/** LoRA equals merging A B alpha/r into the weights; a fresh adapter is a no-op; save/load; configuration errors. */
class LoraAdapterTest {

    private static float[] logits(LanguageModel model, ProjectionAdapter adapter) {
        try (NDManager m = model.manager().newSubManager()) {
            NDArray ids = m.create(new long[] {5, 9, 40, 41, 7, 3}, new Shape(1, 6));
            return model.forward(ForwardInput.builder().setTokens(ids, null).optAdapter(adapter).build()).logits().toFloatArray();
        }
    }

    /** Merges the adapter into {@code merged}'s weights: Conv1D (in,out) W + A B s, nn.Linear (out,in) W + (A B s)^T. */
    private static void merge(LanguageModel merged, LoraAdapter lora, String weightPattern, boolean inOut) {
        double s = lora.config().alpha() / lora.config().rank();
        for (int l = 0; l < merged.config().nLayer(); l++) {
            for (String t : lora.config().targets()) {
                NDArray a = lora.parameters().get("lora." + l + "." + t + ".A");
                NDArray b = lora.parameters().get("lora." + l + "." + t + ".B");
                NDArray delta = a.matMul(b).mul((float) s);
                NDArray w = merged.parameters().get(String.format(weightPattern, l, t));
                NDArray updated = w.add(inOut ? delta : delta.transpose());
                w.set(FloatBuffer.wrap(updated.toFloatArray()));
            }
        }
    }

    @Test
    void adapterEqualsMergedWeightsGpt2AndLlama() {
        check(LmFixtures.gpt2(), List.of(ProjectionAdapter.GPT2_ATTN, ProjectionAdapter.GPT2_FC), "transformer.h.%d.attn.%s.weight", true);
        check(LmFixtures.llama(), List.of(ProjectionAdapter.Q_PROJ, ProjectionAdapter.V_PROJ), "model.layers.%d.self_attn.%s.weight", false);
    }

    private static void check(Path dir, List<String> targets, String pattern, boolean inOut) {
        try (LanguageModel model = LanguageModel.load(dir, LmSettings.cpu());
             LanguageModel merged = LanguageModel.load(dir, LmSettings.cpu());
             LoraAdapter lora = LoraAdapter.builder(model.config()).optRank(3).optAlpha(6).optTargets(targets).optSeed(1)
                     .build(model.manager())) {
            assertArrayEquals(logits(model, null), logits(model, lora), "B = 0: a fresh adapter changes nothing");
            PgmTesting.perturbLoraB(lora, 2);
            String fc = targets.get(1);
            if (inOut) {   // GPT-2: the MLP input projection lives under mlp., not attn.
                mergeGpt2(merged, lora);
            } else {
                merge(merged, lora, pattern, false);
            }
            float[] viaHook = logits(model, lora);
            float[] viaMerge = logits(merged, null);
            assertTrue(PgmTesting.maxAbsDiff(viaHook, viaMerge) < 1e-4, dir + " " + fc + ": hook vs merged "
                    + PgmTesting.maxAbsDiff(viaHook, viaMerge));
            assertTrue(PgmTesting.maxAbsDiff(viaHook, logits(model, null)) > 1e-3, "a trained adapter changes the output");
            assertEquals(2L * model.config().nLayer() * targets.size(), lora.parameters().size());
        }
    }

    private static void mergeGpt2(LanguageModel merged, LoraAdapter lora) {
        double s = lora.config().alpha() / lora.config().rank();
        for (int l = 0; l < merged.config().nLayer(); l++) {
            for (String t : lora.config().targets()) {
                String name = t.equals(ProjectionAdapter.GPT2_ATTN) ? "transformer.h." + l + ".attn.c_attn.weight"
                        : "transformer.h." + l + ".mlp.c_fc.weight";
                NDArray delta = lora.parameters().get("lora." + l + "." + t + ".A")
                        .matMul(lora.parameters().get("lora." + l + "." + t + ".B")).mul((float) s);
                NDArray w = merged.parameters().get(name);
                w.set(FloatBuffer.wrap(w.add(delta).toFloatArray()));
            }
        }
    }

    @Test
    void saveLoadAndBadConfiguration(@TempDir Path tmp) {
        try (LanguageModel model = LanguageModel.load(LmFixtures.gpt2(), LmSettings.cpu());
             LoraAdapter a = LoraAdapter.builder(model.config()).optRank(2).optSeed(3).build(model.manager());
             LoraAdapter b = LoraAdapter.builder(model.config()).optRank(2).optSeed(4).build(model.manager());
             LoraAdapter wide = LoraAdapter.builder(model.config()).optRank(5).build(model.manager())) {
            PgmTesting.perturbLoraB(a, 5);
            a.save(tmp.resolve("lora.safetensors"));
            b.load(tmp.resolve("lora.safetensors"));
            a.parameters().forEach((n, x) -> assertArrayEquals(x.toFloatArray(), b.parameters().get(n).toFloatArray(), n));
            String msg = assertThrows(ModelLoadException.class, () -> wide.load(tmp.resolve("lora.safetensors"))).getMessage();
            assertTrue(msg.contains("shape"), msg);
            assertThrows(IllegalArgumentException.class,
                    () -> LoraAdapter.builder(model.config()).optTargets(List.of("q_proj")).build(model.manager()));
            assertThrows(IllegalArgumentException.class, () -> LoraAdapter.builder(model.config()).optRank(0).build(model.manager()));
        }
    }

    @Test
    void paddingSavesAndLoadsAndIsDeterministicPerSeed(@TempDir Path tmp) {
        try (NDManager m = NDManager.newBaseManager();
             TrainablePadding a = TrainablePadding.create(TrainablePadding.defaultConfig(5, 16), m, 1);
             TrainablePadding same = TrainablePadding.create(TrainablePadding.defaultConfig(5, 16), m, 1);
             TrainablePadding b = TrainablePadding.create(TrainablePadding.defaultConfig(5, 16), m, 2)) {
            assertEquals(new Shape(5, 16), a.forward().getShape());
            assertArrayEquals(a.forward().toFloatArray(), same.forward().toFloatArray());
            assertTrue(PgmTesting.maxAbsDiff(a.forward().toFloatArray(), b.forward().toFloatArray()) > 0);
            a.save(tmp.resolve("pad.safetensors"));
            b.load(tmp.resolve("pad.safetensors"));
            assertArrayEquals(a.forward().toFloatArray(), b.forward().toFloatArray());
            assertThrows(IllegalArgumentException.class, () -> new TrainablePadding.Config(0, 16, 8, 1));
        }
    }
}
