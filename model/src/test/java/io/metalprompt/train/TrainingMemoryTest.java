package io.metalprompt.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.metalprompt.lm.ForwardInput;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.ModelConfig;

/** Training steps free what they make: the model's and the optimizer's live-array counts do not grow. */
class TrainingMemoryTest {

    @Test
    void liveArraysStayFlatAcrossTrainingSteps() {
        try (LanguageModel model = LanguageModel.init(ModelConfig.gpt2(50, 1, 2, 16, 32), 3, LmSettings.cpu());
             AdamW opt = AdamW.builder().build(model.manager())) {
            Map<String, NDArray> params = model.parameters();
            params.values().forEach(p -> p.setRequiresGradient(true));
            List<Integer> live = new ArrayList<>();
            for (int step = 0; step < 6; step++) {
                try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray ids = m.create(new long[] {1, 2, 3, 4, 5, 6}, new Shape(1, 6));
                    gc.backward(model.forward(ForwardInput.builder().setTokens(ids, null).build()).logits().square().mean());
                }
                opt.step(params, 1e-3);
                live.add(countAll(model.manager()));
            }
            assertEquals(1, live.subList(1, live.size()).stream().distinct().count(), "live arrays grew: " + live);
        }
    }

    private static int countAll(NDManager manager) {
        int n = manager.getManagedArrays().size();
        return n;
    }
}
