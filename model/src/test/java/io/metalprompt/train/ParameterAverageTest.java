package io.metalprompt.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import io.metalprompt.lm.Safetensors;

/** The training loop's parameter average: the exponential moving average of the updated values, resumable. */
class ParameterAverageTest {

    private static final int STEPS = 12;
    private static final double DECAY = 0.8;
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    Path dir;

    @Test
    void aFinishedRunLeavesTheMovingAverageOfItsUpdatedValues() {
        List<float[]> seen = new ArrayList<>();
        float[] got = run(dir.resolve("run"), 0, seen);
        // seen.get(n): the values after n updates; the last update's values are in the final checkpoint
        seen.add(lastValues(dir.resolve("run")));
        double[] want = toDouble(seen.get(0));
        for (int n = 1; n <= STEPS; n++) {
            double d = Math.min(DECAY, (1.0 + n) / (10.0 + n));
            for (int i = 0; i < want.length; i++) {
                want[i] = d * want[i] + (1 - d) * seen.get(n)[i];
            }
        }
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5, "element " + i);
        }
        float[] last = seen.get(STEPS);
        assertTrue(Math.abs(last[0] - got[0]) + Math.abs(last[1] - got[1]) > 1e-2, "the average is not the last values");
    }

    @Test
    void aResumedRunAveragesExactlyAsAnUninterruptedOne() {
        float[] whole = run(dir.resolve("whole"), 0, new ArrayList<>());
        run(dir.resolve("split"), 5, new ArrayList<>());
        float[] resumed = run(dir.resolve("split"), 0, new ArrayList<>());
        assertArrayEquals(whole, resumed, 0f);
    }

    @Test
    void aDecayOutsideZeroToOneIsRefused() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> params = Map.of("p", m.zeros(new ai.djl.ndarray.types.Shape(2)));
            assertThrows(IllegalArgumentException.class, () -> new ParameterAverage(params, 1.0));
        }
    }

    /** Runs (or resumes) a loop that pulls p towards a moving target; returns p's values when it returns. */
    private static float[] run(Path out, int stopAfter, List<float[]> seen) {
        try (NDManager m = NDManager.newBaseManager();
             AdamW optimizer = AdamW.builder().optWeightDecay(0).build(m)) {
            NDArray p = m.create(new float[] {0.5f, -0.5f});
            p.setRequiresGradient(true);
            Map<String, NDArray> params = Map.of("p", p);
            TrainingLoop.builder(out, STEPS).optLr(0.1, 0).optCheckpointEvery(4).optStopAfter(stopAfter)
                    .optAverage(DECAY).build(QUIET)
                    .run(optimizer, TrainingLoop.Trainee.ofParameters(params, "p.safetensors"), step -> {
                        seen.add(p.toFloatArray());
                        try (NDScope scope = new NDScope();
                             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray target = m.create(new float[] {(float) Math.sin(step), (float) Math.cos(3 * step)});
                            NDArray loss = p.sub(target).square().sum();
                            gc.backward(loss);
                            return new TrainingLoop.StepResult(loss.getFloat(), new double[0], "", 2);
                        }
                    });
            return p.toFloatArray();
        }
    }

    private static float[] lastValues(Path out) {
        try (NDManager m = NDManager.newBaseManager()) {
            return Safetensors.read(TrainingLoop.checkpoint(out).resolve("p.safetensors"), m).get("p").toFloatArray();
        }
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
