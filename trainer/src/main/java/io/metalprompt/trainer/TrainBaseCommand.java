package io.metalprompt.trainer;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.models.ModelStore;
import io.metalprompt.models.ModelVersion;
import io.metalprompt.train.BaseLmOptions;
import io.metalprompt.train.BaseLmTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code metal train-base}: trains (or resumes) the bundled base LM. */
@Command(name = "train-base", mixinStandardHelpOptions = true,
        description = "Train the small GPT-2-architecture base LM from scratch on demonstration sequences; resumes from OUT/checkpoint. "
                + "With --store, the finished model becomes a new base version of the model store.")
public class TrainBaseCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--out", required = true, description = "output model folder (resumes from OUT/checkpoint)") Path out;
    @Option(names = "--tasks", defaultValue = "data/tasks.zip", description = "task tree (folder or zip) with train/ and specs.json (default ${DEFAULT-VALUE})") Path tasks;
    @Option(names = "--lexicon", defaultValue = "data/lexicon.json", description = "the task world's words (default ${DEFAULT-VALUE})") Path lexicon;
    @Option(names = "--tokenizer", defaultValue = "data/tokenizer.json", description = "tokenizer to train with and ship (default ${DEFAULT-VALUE})") Path tokenizer;
    @Option(names = "--seed", defaultValue = "1", description = "seed of the initialisation and the corpus stream (default ${DEFAULT-VALUE})") long seed;
    @Option(names = "--steps", defaultValue = "6000", description = "length of the learning-rate schedule (default ${DEFAULT-VALUE})") int steps;
    @Option(names = "--batch", defaultValue = "32", description = "sequences per step (default ${DEFAULT-VALUE})") int batch;
    @Option(names = "--max-tokens", defaultValue = "224", description = "longest training sequence (default ${DEFAULT-VALUE})") int maxTokens;
    @Option(names = "--positions", defaultValue = "256", description = "context length of a new model: its position table (default ${DEFAULT-VALUE}; ignored on resume)") int positions;
    @Option(names = "--layers", defaultValue = "4", description = "transformer blocks (default ${DEFAULT-VALUE})") int layers;
    @Option(names = "--heads", defaultValue = "4", description = "attention heads (default ${DEFAULT-VALUE})") int heads;
    @Option(names = "--d-model", defaultValue = "128", description = "width (default ${DEFAULT-VALUE})") int dModel;
    @Option(names = "--lr", defaultValue = "1e-3", description = "peak learning rate, cosine to a tenth (default ${DEFAULT-VALUE})") double lr;
    @Option(names = "--warmup", defaultValue = "200", description = "warm-up steps (default ${DEFAULT-VALUE})") int warmup;
    @Option(names = "--answer-weight", defaultValue = "1.0", description = "loss weight of label tokens (default ${DEFAULT-VALUE})") double answerWeight;
    @Option(names = "--token-weight", defaultValue = "0.05", description = "loss weight of the other tokens (default ${DEFAULT-VALUE})") double tokenWeight;
    @Option(names = "--real-fraction", defaultValue = "0.25", description = "share of sequences from the real training tasks (with --kinds: of the sequences whose kind has real tasks) (default ${DEFAULT-VALUE})") double realFraction;
    @Option(names = "--remap-fraction", defaultValue = "0.5", description = "share of sequences whose label words are replaced by fresh random ones (default ${DEFAULT-VALUE})") double remapFraction;
    @Option(names = "--repeat", defaultValue = "0.2", description = "probability that a demonstration repeats an earlier one (default ${DEFAULT-VALUE})") double repeat;
    @Option(names = "--burst-fraction", defaultValue = "0.5", description = "share of synthetic sequences whose categories keep only --burst-words words (default ${DEFAULT-VALUE})") double burstFraction;
    @Option(names = "--burst-words", defaultValue = "2", description = "content words per category in a bursty sequence (default ${DEFAULT-VALUE})") int burstWords;
    @Option(names = "--sinusoidal-positions", description = "start the position table from sine/cosine rows instead of random ones") boolean sinusoidalPositions;
    @Option(names = "--plain-fraction", defaultValue = "0", description = "share of synthetic sequences with only the words the rule reads (no fillers) (default ${DEFAULT-VALUE})") double plainFraction;
    @Option(names = "--lookback-fraction", defaultValue = "0", description = "share of look-back sequences (a z a: the third token needs a previous-token head), which break the induction plateau (default ${DEFAULT-VALUE})") double lookbackFraction;
    @Option(names = "--kinds", split = ",", description = "kinds of rule, drawn uniformly per sequence: 'all' (every kind but the held-out ones), 'original' (the four of ../shared/tasks) or a list such as topic,first,last (default: the legacy mix, real tasks then the four families in the training proportions)") List<String> kinds;
    @Option(names = "--exclude-kinds", split = ",", description = "kinds taken out of --kinds (a leave-one-kind-out run); also drops their real tasks") List<String> excludeKinds;
    @Option(names = "--init-from", description = "start a new run from this trained GPT-2 folder instead of random weights; its position table grows to --positions (ignored on resume)") Path initFrom;
    @Option(names = "--curriculum-steps", defaultValue = "1000", description = "first steps with 2-class tasks and short contexts (default ${DEFAULT-VALUE})") int curriculumSteps;
    @Option(names = "--curriculum-max-tokens", defaultValue = "128", description = "sequence length during the curriculum (default ${DEFAULT-VALUE})") int curriculumMaxTokens;
    @Option(names = "--checkpoint-every", defaultValue = "100", description = "steps between checkpoints (default ${DEFAULT-VALUE})") int checkpointEvery;
    @Option(names = "--stop-after", defaultValue = "0", description = "stop after this many steps of this run, leaving a checkpoint (0 = run to --steps)") int stopAfter;
    @Option(names = "--store", description = "model store: once training is finished, write the model into it as a new base version") Path store;

    @Override
    public Integer call() {
        BaseLmOptions options = BaseLmOptions.builder(out).optTasks(tasks).optLexicon(lexicon).optTokenizer(tokenizer)
                .optSeed(seed).optSteps(steps).optBatchSize(batch).optMaxTokens(maxTokens).optPositions(positions)
                .optLayers(layers).optHeads(heads).optDModel(dModel).optLr(lr).optWarmupSteps(warmup)
                .optAnswerWeight(answerWeight).optTokenWeight(tokenWeight).optRealFraction(realFraction)
                .optRemapFraction(remapFraction).optRepeatProbability(repeat).optBurst(burstFraction, burstWords)
                .optPlainFraction(plainFraction).optLookbackFraction(lookbackFraction)
                .optSinusoidalPositions(sinusoidalPositions).optKinds(KindOptions.parse(kinds, excludeKinds)).optInitFrom(initFrom)
                .optCurriculum(curriculumSteps, curriculumMaxTokens).optCheckpointEvery(checkpointEvery)
                .optStopAfter(stopAfter).build();
        double loss = new BaseLmTrainer(options, System.out).run();
        if (!Double.isNaN(loss)) {
            System.out.printf("trained %s: mean loss over the last 50 steps %.4f%n", out, loss);
        }
        if (store != null) {
            if (Commands.checkpointStep(out) < steps) {
                System.out.println("not finished yet: nothing written to the store " + store);
                return CliErrors.OK;
            }
            String fingerprint;
            try (LanguageModel model = LanguageModel.load(out, LmSettings.cpu())) {
                fingerprint = model.fingerprint();
            }
            Map<String, String> data = new LinkedHashMap<>();
            data.put("tasks", tasks.toString());
            data.put("lexicon", lexicon.toString());
            data.put("tokenizer", tokenizer.toString());
            Map<String, Double> metrics = Double.isFinite(loss) ? Map.of("train.loss_last50", loss) : Map.of();
            ModelVersion version = new ModelStore(store).addBase(out, fingerprint,
                    new ModelStore.Provenance(Commands.commandLine(spec), data, metrics));
            System.out.println("model store " + store + ": new base version " + version.version()
                    + " (fingerprint " + fingerprint + "); PGMs for it are meta-trained with --base "
                    + version.location());
        }
        return CliErrors.OK;
    }
}
