package io.metalprompt.lm;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each decode step frees what the previous one made: the live-array count does not grow with the steps. */
class GeneratorMemoryTest {

    @Test
    void liveArraysStayFlatAcrossDecodeSteps() {
        try (LanguageModel model = LanguageModel.load(LmFixtures.llama(), LmSettings.cpu())) {
            int before = model.manager().getManagedArrays().size();
            List<Integer> live = new ArrayList<>();
            ProjectionAdapter probe = (layer, projection, input, out) -> {
                if (layer == 0 && projection.equals(ProjectionAdapter.Q_PROJ)) {
                    live.add(input.getManager().getManagedArrays().size());   // the generator's working manager
                }
                return out;
            };
            List<long[]> out = Generator.builder(model).optMaxNewTokens(40).optEosId(-1).optAdapter(probe).build()
                    .greedy(List.of(new long[] {5, 6, 7}, new long[] {8, 9}));
            assertEquals(40, out.get(0).length);
            assertEquals(40, out.get(1).length);
            assertEquals(40, live.size(), "one forward per generated token (prefill + 39 decode steps)");
            List<Integer> decode = live.subList(2, live.size());
            assertTrue(decode.stream().distinct().count() == 1, "live arrays grew over decode steps: " + live);
            assertEquals(before, model.manager().getManagedArrays().size(), "arrays leaked into the model's manager");
        }
    }
}
