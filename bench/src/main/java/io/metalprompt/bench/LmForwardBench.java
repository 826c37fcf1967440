package io.metalprompt.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.metalprompt.lm.ForwardInput;
import io.metalprompt.lm.KvCache;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.ModelConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Forward latency of the LM core, printed as a markdown table. For each batch size B and (k, q), n = k + q:
 * (a) a context of n tokens, no cache; (b) q query tokens behind a cached prefix of k positions (the cache
 * is built once, outside the timing); (c) the q query tokens alone. Warm-up runs, then the median of
 * timed runs; every run in its own NDScope. Not a test: timings depend on the machine.
 *
 * <p>Arguments: {@code --root DIR} (checkout root, for ../shared/fixtures/lm/llama-tiny), {@code --runs N},
 * {@code --warmup N}, {@code --vocab V} (random GPT-2's vocabulary, default 8192).
 */
public final class LmForwardBench {
    private static final int[] BATCHES = {1, 32};
    private static final int[] PREFIXES = {32, 128};
    private static final int[] QUERIES = {8, 16};

    private LmForwardBench() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(arg(args, "--root", System.getProperty("metalprompt.root", ".")));
        int runs = Integer.parseInt(arg(args, "--runs", "21"));
        int warmup = Integer.parseInt(arg(args, "--warmup", "5"));
        int vocab = Integer.parseInt(arg(args, "--vocab", "8192"));

        System.out.println("## LM forward latency\n");
        System.out.println("- machine: " + Machine.cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        System.out.println("- java " + System.getProperty("java.version") + ", DJL PyTorch CPU, fp32");
        System.out.println("- ai.djl.pytorch.num_threads=" + System.getProperty("ai.djl.pytorch.num_threads", "(default)")
                + ", num_interop_threads=" + System.getProperty("ai.djl.pytorch.num_interop_threads", "(default)")
                + ", OMP_WAIT_POLICY=" + System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)"));
        System.out.println("- " + warmup + " warm-up runs, median of " + runs + " timed runs (cases a/b/c interleaved run by run); logits for every input"
                + " position are computed (no last-position shortcut)\n");

        String before = Machine.loadAverage();
        List<String> rows = new ArrayList<>();
        ModelConfig gpt2 = ModelConfig.gpt2(vocab, 4, 4, 128, 512);
        try (LanguageModel model = LanguageModel.init(gpt2, 1, LmSettings.cpu())) {
            rows.addAll(bench("gpt2 random " + shape(gpt2), model, runs, warmup));
        }
        Path llama = root.toAbsolutePath().normalize().resolve("../shared/fixtures/lm/llama-tiny").normalize();
        if (Files.isDirectory(llama)) {
            try (LanguageModel model = LanguageModel.load(llama, LmSettings.cpu())) {
                rows.addAll(bench("llama-tiny fixture " + shape(model.config()), model, runs, warmup));
            }
        } else {
            System.out.println("(llama fixture not found at " + llama + "; skipped)\n");
        }
        System.out.println("- load average (1/5/15 min) before: " + before + ", after: " + Machine.loadAverage() + "\n");
        System.out.println("| model | B | n | k | q | (a) n ctx ms | (b) k cached + q ms | (c) q alone ms "
                + "| (a)/(b) | (b)/(c) | (a) tok/s | (b) tok/s | (c) tok/s |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }

    private static List<String> bench(String label, LanguageModel model, int runs, int warmup) {
        List<String> rows = new ArrayList<>();
        int v = model.config().vocabSize();
        Random rnd = new Random(0);
        try (NDManager m = model.manager().newSubManager()) {
            for (int b : BATCHES) {
                for (int k : PREFIXES) {
                    for (int q : QUERIES) {
                        int n = k + q;
                        NDArray ctx = m.create(ids(rnd, b * n, v), new Shape(b, n));
                        NDArray prefix = ctx.get(":, :" + k);
                        NDArray query = ctx.get(":, " + k + ":");
                        KvCache cache = model.forward(ForwardInput.builder().setTokens(prefix, null).build()).cache();
                        double[] med = medians(runs, warmup, model,
                                () -> ForwardInput.builder().setTokens(ctx, null).build(),
                                () -> ForwardInput.builder().setTokens(query, null).optPast(cache).build(),
                                () -> ForwardInput.builder().setTokens(query, null).build());
                        double a = med[0];
                        double bb = med[1];
                        double c = med[2];
                        rows.add(String.format(Locale.ROOT,
                                "| %s | %d | %d | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f | %.0f |",
                                label, b, n, k, q, a, bb, c, a / bb, bb / c, b * n / a * 1000, b * q / bb * 1000,
                                b * q / c * 1000));
                        cache.close();
                    }
                }
            }
        }
        return rows;
    }

    /**
     * Median wall time in ms of each case's forward pass. The cases are interleaved run by run (a, b, c, a, b,
     * c, ...) so that load from other processes hits all of them alike and the ratios stay meaningful.
     */
    @SafeVarargs
    private static double[] medians(int runs, int warmup, LanguageModel model, Supplier<ForwardInput>... cases) {
        double[][] t = new double[cases.length][runs];
        for (int i = 0; i < warmup + runs; i++) {
            for (int c = 0; c < cases.length; c++) {
                try (NDScope scope = new NDScope()) {
                    ForwardInput in = cases[c].get();
                    long start = System.nanoTime();
                    NDArray logits = model.forward(in).logits();
                    logits.get(0, 0, 0).getFloat();   // CPU eager ops are synchronous; read one value to be sure
                    long end = System.nanoTime();
                    if (i >= warmup) {
                        t[c][i - warmup] = (end - start) / 1e6;
                    }
                }
            }
        }
        double[] med = new double[cases.length];
        for (int c = 0; c < cases.length; c++) {
            Arrays.sort(t[c]);
            med[c] = runs % 2 == 1 ? t[c][runs / 2] : (t[c][runs / 2 - 1] + t[c][runs / 2]) / 2;
        }
        return med;
    }

    private static String shape(ModelConfig c) {
        return c.nLayer() + "L d" + c.dModel() + " H" + c.nHead() + "/" + c.nKvHead() + " V" + c.vocabSize();
    }

    private static long[] ids(Random r, int count, int vocab) {
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return ids;
    }

    private static String arg(String[] args, String name, String def) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return def;
    }
}
