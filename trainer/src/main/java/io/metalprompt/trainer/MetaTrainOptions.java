package io.metalprompt.trainer;

import java.nio.file.Path;
import java.util.List;

import io.metalprompt.prompt.MetaTrainerOptions;
import io.metalprompt.prompt.PaddingPlacement;
import io.metalprompt.events.PromptDesign;
import picocli.CommandLine.Option;

/** The meta-training options {@code metal meta-train} and {@code metal periodic} share (a picocli mixin). */
public class MetaTrainOptions {

    @Option(names = "--base", required = true, description = "frozen base LM folder (config.json, model.safetensors, tokenizer.json)") Path base;
    @Option(names = "--tasks", defaultValue = "data/tasks.zip", description = "task tree (folder or zip) with train/, and specs.json for --kinds (default ${DEFAULT-VALUE})") Path tasks;
    @Option(names = "--lexicon", defaultValue = "data/lexicon.json", description = "the task world's words, for synthetic tasks and remapped labels (default ${DEFAULT-VALUE})") Path lexicon;
    @Option(names = "--design", defaultValue = "PREFIX", description = "what the prompt is: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})") PromptDesign design;
    @Option(names = "--k", defaultValue = "16", description = "prompt length: padding rows (default ${DEFAULT-VALUE})") int k;
    @Option(names = "--padding-placement", defaultValue = "INTERLEAVED", description = "where the k padding rows stand in the PGM's pass: ${COMPLETION-CANDIDATES}; END = after XP (the paper), INTERLEAVED = after each XP example (default ${DEFAULT-VALUE})") PaddingPlacement placement;
    @Option(names = "--lora-rank", defaultValue = "8", description = "LoRA rank (default ${DEFAULT-VALUE})") int loraRank;
    @Option(names = "--lora-alpha", defaultValue = "16", description = "LoRA alpha: the update is scaled by alpha/rank (default ${DEFAULT-VALUE})") double loraAlpha;
    @Option(names = "--lora-targets", split = ",", description = "projection names (default: c_attn for GPT-2, q_proj,v_proj for Llama)") List<String> loraTargets;
    @Option(names = "--seed", defaultValue = "1", description = "seed of the PGM's initialisation and of every step's episodes (default ${DEFAULT-VALUE})") long seed;
    @Option(names = "--steps", defaultValue = "2000", description = "length of the learning-rate schedule (default ${DEFAULT-VALUE})") int steps;
    @Option(names = "--episodes", defaultValue = "8", description = "episodes per step (default ${DEFAULT-VALUE})") int episodes;
    @Option(names = "--queries", defaultValue = "4", description = "queries per episode (default ${DEFAULT-VALUE})") int queries;
    @Option(names = "--m-min", defaultValue = "4", description = "fewest XP examples per episode (default ${DEFAULT-VALUE})") int mMin;
    @Option(names = "--m-max", defaultValue = "8", description = "most XP examples per episode (default ${DEFAULT-VALUE})") int mMax;
    @Option(names = "--l-min", defaultValue = "0", description = "fewest XL demonstrations per episode (default ${DEFAULT-VALUE})") int lMin;
    @Option(names = "--l-max", defaultValue = "2", description = "most XL demonstrations per episode (default ${DEFAULT-VALUE})") int lMax;
    @Option(names = "--synthetic-fraction", defaultValue = "0.5", description = "share of episodes from new synthetic tasks (with --kinds: of the episodes whose kind has real tasks) (default ${DEFAULT-VALUE})") double syntheticFraction;
    @Option(names = "--remap-fraction", defaultValue = "0.5", description = "share of real-task episodes with remapped label words (default ${DEFAULT-VALUE})") double remapFraction;
    @Option(names = "--kinds", split = ",", description = "kinds of rule, drawn uniformly per episode: 'all' (every kind but the held-out ones), 'original' (the four of ../shared/tasks) or a list such as topic,first,last; real tasks of other kinds are not used (default: the legacy mix)") List<String> kinds;
    @Option(names = "--exclude-kinds", split = ",", description = "kinds taken out of --kinds (a leave-one-kind-out run); also drops their real tasks") List<String> excludeKinds;
    @Option(names = "--lr", defaultValue = "1e-3", description = "peak learning rate, cosine to a tenth (default ${DEFAULT-VALUE})") double lr;
    @Option(names = "--warmup", defaultValue = "100", description = "warm-up steps (default ${DEFAULT-VALUE})") int warmup;
    @Option(names = "--temperature", defaultValue = "1.0", description = "Gumbel-softmax temperature, DISCRETE only (default ${DEFAULT-VALUE})") double temperature;
    @Option(names = "--clip", defaultValue = "1.0", description = "global gradient-norm clip, 0 = off (default ${DEFAULT-VALUE})") double clip;
    @Option(names = "--passes", defaultValue = "1", description = "iterative episodes: each step's episodes are read in 1 to N passes of m examples, every pass reading the previous pass's prompt (the paper's iterative generation); the PGM then generates for larger example sets in passes of at most --m-max examples (default ${DEFAULT-VALUE}: single passes)") int passes;
    @Option(names = "--passes-kept", defaultValue = "1", description = "how the saved PGM assembles a prompt for an example set read in several passes: the last pass's prompt (1, the paper's) or the prompts of the last N passes side by side, k positions each (recorded in pgm.json; training is unchanged; default ${DEFAULT-VALUE})") int passesKept;
    @Option(names = "--loss-every-pass", description = "with --passes > 1: score every pass's prompt on the episode's queries and train on the mean (each intermediate prompt is served too), not the last pass's alone") boolean lossEveryPass;
    @Option(names = "--distill", defaultValue = "0", description = "weight of the KL from the LM reading XP as demonstrations to the prompted LM, at the answer tokens (0 = off, the paper's loss)") double distill;
    @Option(names = "--average", defaultValue = "0", description = "save the parameters' exponential moving average with this decay (e.g. 0.99; kept in the checkpoint) instead of the last step's values; 0 = off (default ${DEFAULT-VALUE})") double average;
    @Option(names = "--init-from", description = "start from this saved PGM folder's parameters (a warm start: same base, design, k, LoRA and padding shapes) instead of a fresh PGM; ignored on resume") Path initFrom;
    @Option(names = "--checkpoint-every", defaultValue = "100", description = "steps between checkpoints (default ${DEFAULT-VALUE})") int checkpointEvery;

    /** The trainer's options for a run writing to {@code out}, stopping after {@code stopAfter} steps (0 = never). */
    MetaTrainerOptions toOptions(Path out, int stopAfter, String command) {
        return MetaTrainerOptions.builder(out, base).optTasks(tasks).optLexicon(lexicon).optDesign(design).optK(k)
                .optPlacement(placement).optLora(loraRank, loraAlpha).optLoraTargets(loraTargets).optSeed(seed)
                .optSteps(steps).optEpisodes(episodes, queries).optM(mMin, mMax).optL(lMin, lMax)
                .optSyntheticFraction(syntheticFraction).optRemapFraction(remapFraction)
                .optKinds(KindOptions.parse(kinds, excludeKinds)).optPasses(passes).optLossEveryPass(lossEveryPass).optPassesKept(passesKept).optLr(lr, warmup).optTemperature(temperature)
                .optClipNorm(clip).optDistill(distill).optAverage(average).optCheckpointEvery(checkpointEvery).optStopAfter(stopAfter)
                .optInitFrom(initFrom).optCommand(command).build();
    }
}
