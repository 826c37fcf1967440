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

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import io.metalprompt.lm.Gpt2Config;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.ModelConfig;
import io.metalprompt.tasks.Family;
import io.metalprompt.tasks.Lexicon;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.tasks.TaskSpecs;
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

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<String> CURVE = List.of("loss", "answer_loss", "answer_acc", "seen_acc");
    private static final String PLOT_TITLE = "base LM: loss, answer loss, answer accuracy";

    private final BaseLmOptions o;
    private final PrintStream log;

    public BaseLmTrainer(BaseLmOptions options, PrintStream log) {
        this.o = options;
        this.log = log;
    }

    /**
     * Runs (or resumes) training to {@code steps}, or for {@code stopAfter} steps when positive (then it
     * leaves a checkpoint to resume from); returns the mean loss over the last 50 steps (NaN when stopped early).
     */
    public double run() {
        Path checkpoint = TrainingLoop.checkpoint(o.out());
        try (HuggingFaceTokenizer tokenizer = Tokenizers.load(o.tokenizer());
             TaskRoot root = TaskRoot.open(o.tasks())) {
            Lexicon lexicon = Lexicon.read(o.lexicon());
            Map<String, List<TaskExample>> real = new LinkedHashMap<>();
            for (String task : TaskLoader.listTasks(root.resolve("train"))) {
                real.put(task, TaskLoader.loadTrain(root.resolve("train"), task));
            }
            Map<String, Family> realFamilies = o.kinds().isEmpty() ? Map.of() : realFamilies(root);
            boolean resume = Files.exists(checkpoint.resolve("state.json"));
            try (LanguageModel model = resume ? LanguageModel.load(checkpoint, LmSettings.cpu())
                    : o.initFrom() != null ? WarmStart.from(o.initFrom(), o.positions(), o.seed())
                    : LanguageModel.init(newModelConfig(), o.seed(), LmSettings.cpu());
                 AdamW optimizer = AdamW.builder().build(model.manager())) {
                if (!resume && o.sinusoidalPositions()) {
                    sinusoidalPositions(model);
                }
                Map<String, NDArray> params = model.parameters();
                params.values().forEach(p -> p.setRequiresGradient(true));
                Corpus corpus = new Corpus(tokenizer, lexicon, real, realFamilies);
                TrainingLoop.Result result = TrainingLoop.builder(o.out(), o.steps()).optLr(o.lr(), o.warmupSteps())
                        .optCheckpointEvery(o.checkpointEvery()).optStopAfter(o.stopAfter()).optProgressEvery(25)
                        .optCurve(CURVE, PLOT_TITLE).build(log)
                        .run(optimizer, trainee(model), step -> step(model, corpus, step));
                params.values().forEach(p -> p.setRequiresGradient(false));
                if (!result.finished()) {
                    return Double.NaN;
                }
                model.save(o.out());
                Files.copy(o.tokenizer(), o.out().resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
                new LossCurve(o.out().resolve("curve.csv"), CURVE).plot(o.out().resolve("loss.png"), PLOT_TITLE);
                double finalLoss = result.meanAfter(o.steps() - 50);
                writeTrainingJson(model, finalLoss);
                return finalLoss;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new GPT-2 of the options' shape over the tokenizer's vocabulary, with its BOS token as bos and eos. */
    private ModelConfig newModelConfig() throws IOException {
        int vocab = JSON.readTree(o.tokenizer().toFile()).path("model").path("vocab").size();
        int bos = TokenizerBuilder.SPECIAL_TOKENS.indexOf(TokenizerBuilder.BOS);
        return new Gpt2Config(vocab, o.layers(), o.heads(), o.dModel(), 4 * o.dModel(), o.positions(), 1e-5, bos, bos);
    }

    /** The model's weights; a checkpoint holds them as a Hugging Face folder (so resuming loads the model from it). */
    private static TrainingLoop.Trainee trainee(LanguageModel model) {
        return new TrainingLoop.Trainee() {
            @Override
            public Map<String, NDArray> parameters() {
                return model.parameters();
            }

            @Override
            public void writeTo(Path checkpoint) {
                model.save(checkpoint);
            }

            @Override
            public void restore(Path checkpoint) {
                // the model was loaded from the checkpoint
            }
        };
    }

    /**
     * The corpus stream, re-seeded at every checkpoint boundary (and at the curriculum's end), so a run resumed
     * from a checkpoint reads exactly the batches an uninterrupted run would have read.
     */
    private final class Corpus {
        private final HuggingFaceTokenizer tokenizer;
        private final Lexicon lexicon;
        private final Map<String, List<TaskExample>> real;
        private final Map<String, Family> realFamilies;
        private CorpusSampler sampler;

        Corpus(HuggingFaceTokenizer tokenizer, Lexicon lexicon, Map<String, List<TaskExample>> real,
               Map<String, Family> realFamilies) {
            this.tokenizer = tokenizer;
            this.lexicon = lexicon;
            this.real = real;
            this.realFamilies = realFamilies;
        }

        CorpusSampler at(long step) {
            if (sampler == null || step % o.checkpointEvery() == 0 || step == o.curriculumSteps()) {
                sampler = sampler(tokenizer, lexicon, real, realFamilies, step < o.curriculumSteps(),
                        o.seed() * 1_000_003L + step);
            }
            return sampler;
        }
    }

    /** One step: the step's batch, forward and backward ({@link BaseLmLoss}). */
    private TrainingLoop.StepResult step(LanguageModel model, Corpus corpus, long step) {
        CorpusSampler sampler = corpus.at(step);
        CorpusSampler.Batch batch = sampler.batch(o.batchSize());
        double[] stats = BaseLmLoss.trainStep(model, batch, sampler.padId(), o.answerWeight(), o.tokenWeight());
        return new TrainingLoop.StepResult(stats[0], new double[] {stats[1], stats[2], stats[3]},
                String.format(Locale.ROOT, "ans %.3f acc %.2f seen %.2f ", stats[1], stats[2], stats[3]),
                (long) batch.ids().length * batch.ids()[0].length);
    }

    private CorpusSampler sampler(HuggingFaceTokenizer tokenizer, Lexicon lexicon, Map<String, List<TaskExample>> real,
                                  Map<String, Family> realFamilies, boolean curriculum, long seed) {
        CorpusSamplerBuilder b = CorpusSampler.builder(tokenizer, lexicon);
        if (!o.kinds().isEmpty()) {
            b.optKinds(o.kinds(), realFamilies);
        }
        return b
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

    /** The kind of every real training task, from the tree's {@code specs.json} (none when it has no such file). */
    private Map<String, Family> realFamilies(TaskRoot root) {
        Path specs = root.resolve("specs.json");
        if (!Files.exists(specs)) {
            log.printf(Locale.ROOT, "%s has no specs.json: real tasks have no kind and are not used with --kinds%n", o.tasks());
            return Map.of();
        }
        Map<String, Family> out = new LinkedHashMap<>();
        TaskSpecs.read(specs, "train").forEach(s -> out.put(s.name(), s.family()));
        return out;
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

    private void writeTrainingJson(LanguageModel model, double finalLoss) throws IOException {
        ObjectNode node = JSON.valueToTree(o);
        node.put("out", o.out().toString());
        node.put("tasks", o.tasks().toString());
        node.put("lexicon", o.lexicon().toString());
        node.put("tokenizer", o.tokenizer().toString());
        node.put("initFrom", o.initFrom() == null ? null : o.initFrom().toString());
        node.put("final_loss_last50", finalLoss);
        node.put("fingerprint", model.fingerprint());
        JSON.writeValue(o.out().resolve("training.json").toFile(), node);
    }
}
