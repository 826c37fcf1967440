package io.metalprompt.prompt;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import ai.djl.ndarray.NDArray;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmFixtures;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.tasks.TaskExample;

/** Small shared helpers for the PGM tests. */
final class PgmTesting {

    private static final String[] WORDS = {"apple", "river", "stone", "cloud", "green", "music", "table", "horse"};

    private static LanguageModel gpt2;
    private static LmTokenizer gpt2Tokenizer;

    private PgmTesting() {
    }

    /**
     * The GPT-2 fixture, loaded once for every PGM test of the run (a frozen base: no test changes its weights).
     * It lives as long as the test JVM.
     */
    static synchronized LanguageModel gpt2() {
        if (gpt2 == null) {
            gpt2 = LanguageModel.load(LmFixtures.gpt2(), LmSettings.cpu());
        }
        return gpt2;
    }

    /** The GPT-2 fixture's tokenizer, loaded once. */
    static synchronized LmTokenizer gpt2Tokenizer() {
        if (gpt2Tokenizer == null) {
            gpt2Tokenizer = LmTokenizer.load(LmFixtures.gpt2());
        }
        return gpt2Tokenizer;
    }

    /** {@code n} examples of a 2-class toy task (labels alpha/beta), deterministic per seed. */
    static List<TaskExample> examples(int n, long seed) {
        Random r = new Random(seed);
        List<TaskExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String in = WORDS[r.nextInt(WORDS.length)] + " " + WORDS[r.nextInt(WORDS.length)];
            out.add(new TaskExample("toy", in, r.nextBoolean() ? "alpha" : "beta", List.of("alpha", "beta")));
        }
        return out;
    }

    /** Gives LoRA's zero-initialised B matrices small random values, as after some training. */
    static void perturbLoraB(LoraAdapter lora, long seed) {
        Random r = new Random(seed);
        for (Map.Entry<String, NDArray> e : lora.parameters().entrySet()) {
            if (e.getKey().endsWith(".B")) {
                NDArray b = e.getValue();
                float[] v = new float[(int) b.getShape().size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (r.nextGaussian() * 0.05);
                }
                boolean g = b.hasGradient();
                b.setRequiresGradient(false);
                b.set(FloatBuffer.wrap(v));
                b.setRequiresGradient(g);
            }
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }
}
