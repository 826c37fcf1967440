package io.metalprompt.train;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.metalprompt.lm.ForwardInput;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.ModelConfig;
import io.metalprompt.tasks.Lexicon;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.text.TokenizerBuilder;
import io.metalprompt.text.Tokenizers;

/**
 * Trains the project's small GPT-2-architecture base LM from scratch on sequences of demonstrations
 * ({@link CorpusSampler}), so that it learns in context.
 *
 * <p>Output folder: the Hugging Face layout ({@code config.json}, {@code model.safetensors},
 * {@code tokenizer.json}) plus {@code training.json} (the options and final numbers), {@code curve.csv} and
 * {@code loss.png}. A checkpoint ({@code checkpoint/}: weights, AdamW moments, step) is written atomically
 * every {@code checkpointEvery} steps; a run started again on the same folder resumes from it. The corpus
 * stream after a resume is re-seeded from (seed, step), so a resumed run is reproducible for the same
 * resume points.
 */
public final class BaseLmTrainer {

    /** Everything that defines a run; recorded in {@code training.json}. */
    public record Options(Path out, Path tasks, Path lexicon, Path tokenizer, long seed, int steps, int batchSize,
                          int maxTokens, int layers, int heads, int dModel, double lr, int warmupSteps,
                          double answerWeight, double tokenWeight, double realFraction, double remapFraction,
                          double repeatProbability, double burstFraction, int burstWords, double plainFraction,
                          double lookbackFraction, boolean sinusoidalPositions, int curriculumSteps,
                          int curriculumMaxTokens, int checkpointEvery, int stopAfter) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Options o;
    private final PrintStream log;

    public BaseLmTrainer(Options options, PrintStream log) {
        this.o = options;
        this.log = log;
    }

    /**
     * Runs (or resumes) training to {@code steps}, or for {@code stopAfter} steps when positive (then it
     * leaves a checkpoint to resume from); returns the mean loss over the last 50 steps (NaN when stopped early).
     */
    public double run() {
        Path checkpoint = o.out().resolve("checkpoint");
        try (HuggingFaceTokenizer tokenizer = Tokenizers.load(o.tokenizer());
             TaskRoot root = TaskRoot.open(o.tasks())) {
            Lexicon lexicon = Lexicon.read(o.lexicon());
            Map<String, List<TaskExample>> real = new LinkedHashMap<>();
            for (String task : TaskLoader.listTasks(root.resolve("train"))) {
                real.put(task, TaskLoader.loadTrain(root.resolve("train"), task));
            }
            int vocab = JSON.readTree(o.tokenizer().toFile()).path("model").path("vocab").size();
            int bos = TokenizerBuilder.SPECIAL_TOKENS.indexOf(TokenizerBuilder.BOS);
            ModelConfig config = new ModelConfig(ModelConfig.Family.GPT2, vocab, o.layers(), o.heads(), o.heads(),
                    o.dModel(), o.dModel() / o.heads(), 4 * o.dModel(), 256, 1e-5, 0.0, true, bos, bos);

            boolean resume = Files.exists(checkpoint.resolve("state.json"));
            try (LanguageModel model = resume ? LanguageModel.load(checkpoint, LmSettings.cpu())
                    : LanguageModel.init(config, o.seed(), LmSettings.cpu());
                 AdamW optimizer = AdamW.builder().build(model.manager())) {
                long start = 0;
                if (!resume && o.sinusoidalPositions()) {
                    sinusoidalPositions(model);
                }
                LossCurve curve = new LossCurve(o.out().resolve("curve.csv"), List.of("loss", "answer_loss", "answer_acc", "seen_acc"));
                if (resume) {
                    optimizer.load(checkpoint.resolve("optimizer.safetensors"));
                    start = optimizer.steps();
                    curve.truncateAfter(start);
                    log.printf(Locale.ROOT, "resuming %s at step %d%n", o.out(), start);
                }
                Map<String, NDArray> params = model.parameters();
                params.values().forEach(p -> p.setRequiresGradient(true));
                LrSchedule schedule = new LrSchedule(o.lr(), o.lr() / 10, o.warmupSteps(), o.steps());
                Progress progress = new Progress(log, start, o.steps(), 25);
                CorpusSampler sampler = null;
                double recent = 0;
                int recentCount = 0;
                long end = o.stopAfter() > 0 ? Math.min(o.steps(), start + o.stopAfter()) : o.steps();
                for (long step = start; step < end; step++) {
                    // re-seeded at every checkpoint boundary (and at the curriculum's end), so a run resumed
                    // from a checkpoint reads exactly the batches an uninterrupted run would have read
                    if (sampler == null || step % o.checkpointEvery() == 0 || step == o.curriculumSteps()) {
                        sampler = sampler(tokenizer, lexicon, real, step < o.curriculumSteps(),
                                o.seed() * 1_000_003L + step);
                    }
                    CorpusSampler.Batch batch = sampler.batch(o.batchSize());
                    double[] stats = trainStep(model, batch, sampler.padId());
                    double lr = schedule.at(step);
                    double gradNorm = optimizer.step(params, lr);
                    long done = step + 1;
                    if (AdamW.isSkipped(gradNorm)) {
                        log.printf(Locale.ROOT, "%nstep %d: non-finite gradient (loss %.4f), update skipped%n", done, stats[0]);
                    }
                    curve.append(done, stats[0], stats[1], stats[2], stats[3]);
                    progress.update(done, stats[0], String.format(Locale.ROOT,
                            "ans %.3f acc %.2f seen %.2f lr %.1e |g| %.2f", stats[1], stats[2], stats[3], lr, gradNorm),
                            (long) batch.ids().length * batch.ids()[0].length);
                    if (done > o.steps() - 50) {
                        recent += stats[0];
                        recentCount++;
                    }
                    if (done % o.checkpointEvery() == 0 || done == end) {
                        Checkpoint.write(checkpoint, model::save, optimizer);
                        curve.plot(o.out().resolve("loss.png"), "base LM: loss, answer loss, answer accuracy");
                    }
                }
                params.values().forEach(p -> p.setRequiresGradient(false));
                if (end < o.steps()) {
                    log.printf(Locale.ROOT, "stopped at step %d of %d (--stop-after); run again to resume%n", end, o.steps());
                    return Double.NaN;
                }
                model.save(o.out());
                Files.copy(o.tokenizer(), o.out().resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
                curve.plot(o.out().resolve("loss.png"), "base LM: loss, answer loss, answer accuracy");
                double finalLoss = recentCount > 0 ? recent / recentCount : Double.NaN;
                writeTrainingJson(model, finalLoss);
                return finalLoss;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private CorpusSampler sampler(HuggingFaceTokenizer tokenizer, Lexicon lexicon, Map<String, List<TaskExample>> real,
                                  boolean curriculum, long seed) {
        return CorpusSampler.builder(tokenizer, lexicon)
                .optRealTasks(real)
                .optRealFraction(o.realFraction())
                .optRemapFraction(o.remapFraction())
                .optRepeatProbability(o.repeatProbability())
                .optBurst(o.burstFraction(), o.burstWords())
                .optPlainFraction(o.plainFraction())
                .optLookbackFraction(o.lookbackFraction())
                .optMinClasses(2)
                .optMaxClasses(curriculum ? 2 : 4)
                .optMaxTokens(curriculum ? o.curriculumMaxTokens() : o.maxTokens())
                .optSeed(seed)
                .build();
    }

    /**
     * Forward and backward of one batch. Loss = weighted next-token cross-entropy: {@code answerWeight} on
     * label tokens, {@code tokenWeight} on the other real tokens. Returns {loss, answer loss, answer accuracy,
     * seen accuracy}: the last is the accuracy on answers whose label word already answered an earlier
     * demonstration of the same sequence, the only answers a model can get from context (a label's first
     * appearance is a guess among all label words), so it is the in-context-learning signal.
     */
    private double[] trainStep(LanguageModel model, CorpusSampler.Batch batch, int padId) {
        int b = batch.ids().length;
        int t = batch.ids()[0].length;
        long[] ids = new long[b * t];
        float[] real = new float[b * t];
        float[] answer = new float[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                ids[i * t + j] = batch.ids()[i][j];
                answer[i * t + j] = batch.masks()[i][j];
            }
            // real tokens: up to the last non-pad token (pad id may not appear inside a sequence)
            int len = t;
            while (len > 0 && batch.ids()[i][len - 1] == padId) {
                len--;
            }
            for (int j = 0; j < len; j++) {
                real[i * t + j] = 1f;
            }
        }
        // one NDScope per step: ops whose first operand is a weight (position rows, embeddings) put their
        // results in the model's manager; the scope frees them with everything else of this step
        try (NDScope scope = new NDScope();
             NDManager m = model.manager().newSubManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray idArr = m.create(ids, new Shape(b, t));
            NDArray realArr = m.create(real, new Shape(b, t));
            NDArray ansArr = m.create(answer, new Shape(b, t)).get(":, 1:");                 // [B,T-1]
            NDArray logits = model.forward(ForwardInput.builder().setTokens(idArr, realArr).build()).logits();
            NDArray logp = logits.get(":, :-1, :").logSoftmax(-1);                          // [B,T-1,V]
            NDArray targets = idArr.get(":, 1:");                                             // [B,T-1]
            NDArray nll = logp.gather(targets.expandDims(-1), 2).squeeze(2).neg();            // [B,T-1]
            NDArray other = realArr.get(":, 1:").sub(ansArr);
            NDArray w = ansArr.mul((float) o.answerWeight()).add(other.mul((float) o.tokenWeight()));
            NDArray loss = nll.mul(w).sum().div(w.sum().add(1e-9f));
            gc.backward(loss);
            double answers = ansArr.sum().getFloat();
            double answerLoss = nll.mul(ansArr).sum().getFloat() / Math.max(1, answers);
            NDArray hit = logp.argMax(-1).eq(targets).toType(DataType.FLOAT32, false).mul(ansArr);
            double acc = hit.sum().getFloat() / Math.max(1, answers);
            return new double[] {loss.getFloat(), answerLoss, acc, seenAccuracy(batch, hit.toFloatArray(), t)};
        }
    }

    /**
     * Overwrites GPT-2's learned position table with sine/cosine rows (Vaswani et al.) scaled to the size of the
     * random init: still a learned table, but one that starts with relative-position structure (a row's dot
     * product with another depends on their distance), so a "previous token" attention head, the first half
     * of an induction circuit, need not be learned position by position.
     */
    static void sinusoidalPositions(LanguageModel model) {
        NDArray wpe = model.parameters().get("transformer.wpe.weight");
        if (wpe == null) {
            throw new IllegalArgumentException("sinusoidal positions need a GPT-2 model (no transformer.wpe.weight)");
        }
        long rows = wpe.getShape().get(0);
        int d = (int) wpe.getShape().get(1);
        float[] v = new float[(int) rows * d];
        for (int pos = 0; pos < rows; pos++) {
            for (int i = 0; i < d / 2; i++) {
                double angle = pos / Math.pow(10000, 2.0 * i / d);
                v[pos * d + 2 * i] = (float) (0.05 * Math.sin(angle));
                v[pos * d + 2 * i + 1] = (float) (0.05 * Math.cos(angle));
            }
        }
        wpe.set(v);
    }

    /** Accuracy on answer tokens whose id answered an earlier demonstration in the same row ({@code hits}: [B,T-1]). */
    static double seenAccuracy(CorpusSampler.Batch batch, float[] hits, int t) {
        double seen = 0;
        double right = 0;
        for (int i = 0; i < batch.ids().length; i++) {
            if (batch.lookback()[i]) {
                continue;   // no task, no answers: only the task rows carry the in-context signal
            }
            java.util.Set<Integer> answered = new java.util.HashSet<>();
            for (int j = 1; j < t; j++) {
                if (batch.masks()[i][j] > 0) {
                    if (!answered.add(batch.ids()[i][j])) {
                        seen++;
                        right += hits[i * (t - 1) + j - 1];
                    }
                }
            }
        }
        return seen == 0 ? Double.NaN : right / seen;
    }

    private void writeTrainingJson(LanguageModel model, double finalLoss) throws IOException {
        ObjectNode node = JSON.valueToTree(o);
        node.put("out", o.out().toString());
        node.put("tasks", o.tasks().toString());
        node.put("lexicon", o.lexicon().toString());
        node.put("tokenizer", o.tokenizer().toString());
        node.put("final_loss_last50", finalLoss);
        node.put("fingerprint", model.fingerprint());
        JSON.writeValue(o.out().resolve("training.json").toFile(), node);
    }
}
