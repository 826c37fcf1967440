package io.metalprompt.trainer;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.models.ModelStore;
import io.metalprompt.models.ModelVersion;
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

    @Option(names = "--out", required = true, description = "output model folder") Path out;
    @Option(names = "--tasks", defaultValue = "data/tasks.zip", description = "task tree (folder or zip) with train/ (default ${DEFAULT-VALUE})") Path tasks;
    @Option(names = "--lexicon", defaultValue = "data/lexicon.json") Path lexicon;
    @Option(names = "--tokenizer", defaultValue = "data/tokenizer.json") Path tokenizer;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--steps", defaultValue = "6000") int steps;
    @Option(names = "--batch", defaultValue = "32") int batch;
    @Option(names = "--max-tokens", defaultValue = "224") int maxTokens;
    @Option(names = "--layers", defaultValue = "4") int layers;
    @Option(names = "--heads", defaultValue = "4") int heads;
    @Option(names = "--d-model", defaultValue = "128") int dModel;
    @Option(names = "--lr", defaultValue = "1e-3") double lr;
    @Option(names = "--warmup", defaultValue = "200") int warmup;
    @Option(names = "--answer-weight", defaultValue = "1.0") double answerWeight;
    @Option(names = "--token-weight", defaultValue = "0.05") double tokenWeight;
    @Option(names = "--real-fraction", defaultValue = "0.25") double realFraction;
    @Option(names = "--remap-fraction", defaultValue = "0.5") double remapFraction;
    @Option(names = "--repeat", defaultValue = "0.2", description = "probability that a demonstration repeats an earlier one") double repeat;
    @Option(names = "--burst-fraction", defaultValue = "0.5", description = "share of synthetic sequences whose categories keep only --burst-words words") double burstFraction;
    @Option(names = "--burst-words", defaultValue = "2") int burstWords;
    @Option(names = "--sinusoidal-positions", description = "start the position table from sine/cosine rows instead of random ones") boolean sinusoidalPositions;
    @Option(names = "--plain-fraction", defaultValue = "0", description = "share of synthetic sequences with only the words the rule reads (no fillers)") double plainFraction;
    @Option(names = "--lookback-fraction", defaultValue = "0", description = "share of look-back sequences (a z a: the third token needs a previous-token head), which break the induction plateau") double lookbackFraction;
    @Option(names = "--curriculum-steps", defaultValue = "1000", description = "first steps with 2-class tasks and short contexts") int curriculumSteps;
    @Option(names = "--curriculum-max-tokens", defaultValue = "128") int curriculumMaxTokens;
    @Option(names = "--checkpoint-every", defaultValue = "100") int checkpointEvery;
    @Option(names = "--stop-after", defaultValue = "0", description = "stop after this many steps of this run, leaving a checkpoint (0 = run to --steps)") int stopAfter;
    @Option(names = "--store", description = "model store: once training is finished, write the model into it as a new base version") Path store;

    @Override
    public Integer call() {
        BaseLmTrainer.Options options = new BaseLmTrainer.Options(out, tasks, lexicon, tokenizer, seed, steps, batch,
                maxTokens, layers, heads, dModel, lr, warmup, answerWeight, tokenWeight, realFraction, remapFraction,
                repeat, burstFraction, burstWords, plainFraction, lookbackFraction, sinusoidalPositions, curriculumSteps, curriculumMaxTokens, checkpointEvery, stopAfter);
        double loss = new BaseLmTrainer(options, System.out).run();
        if (!Double.isNaN(loss)) {
            System.out.printf("trained %s: mean loss over the last 50 steps %.4f%n", out, loss);
        }
        if (store != null) {
            if (Commands.checkpointStep(out) < steps) {
                System.out.println("not finished yet: nothing written to the store " + store);
                return 0;
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
        return 0;
    }
}
