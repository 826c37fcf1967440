package io.metalprompt.trainer;

import java.nio.file.Path;
import java.util.List;

import io.metalprompt.prompt.MetaTrainer;
import io.metalprompt.prompt.PaddingPlacement;
import io.metalprompt.events.PromptDesign;
import picocli.CommandLine.Option;

/** The meta-training options {@code metal meta-train} and {@code metal periodic} share (a picocli mixin). */
public class MetaTrainOptions {

    @Option(names = "--base", required = true, description = "frozen base LM folder (config.json, model.safetensors, tokenizer.json)") Path base;
    @Option(names = "--tasks", defaultValue = "data/tasks.zip", description = "task tree with train/ (default ${DEFAULT-VALUE})") Path tasks;
    @Option(names = "--lexicon", defaultValue = "data/lexicon.json") Path lexicon;
    @Option(names = "--design", defaultValue = "PREFIX", description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})") PromptDesign design;
    @Option(names = "--k", defaultValue = "16", description = "prompt length (padding rows)") int k;
    @Option(names = "--padding-placement", defaultValue = "INTERLEAVED", description = "where the k padding rows stand in the PGM's pass: ${COMPLETION-CANDIDATES}; END = after XP (the paper), INTERLEAVED = after each XP example (default ${DEFAULT-VALUE})") PaddingPlacement placement;
    @Option(names = "--lora-rank", defaultValue = "8") int loraRank;
    @Option(names = "--lora-alpha", defaultValue = "16") double loraAlpha;
    @Option(names = "--lora-targets", split = ",", description = "projection names (default: c_attn for GPT-2, q_proj,v_proj for Llama)") List<String> loraTargets;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--steps", defaultValue = "2000") int steps;
    @Option(names = "--episodes", defaultValue = "8", description = "episodes per step") int episodes;
    @Option(names = "--queries", defaultValue = "4", description = "queries per episode") int queries;
    @Option(names = "--m-min", defaultValue = "4", description = "fewest XP examples per episode") int mMin;
    @Option(names = "--m-max", defaultValue = "8") int mMax;
    @Option(names = "--l-min", defaultValue = "0", description = "fewest XL demonstrations per episode") int lMin;
    @Option(names = "--l-max", defaultValue = "2") int lMax;
    @Option(names = "--synthetic-fraction", defaultValue = "0.5", description = "share of episodes from new synthetic tasks") double syntheticFraction;
    @Option(names = "--remap-fraction", defaultValue = "0.5", description = "share of real-task episodes with remapped label words") double remapFraction;
    @Option(names = "--lr", defaultValue = "1e-3") double lr;
    @Option(names = "--warmup", defaultValue = "100") int warmup;
    @Option(names = "--temperature", defaultValue = "1.0", description = "Gumbel-softmax temperature (DISCRETE)") double temperature;
    @Option(names = "--clip", defaultValue = "1.0", description = "global gradient-norm clip (0 = off)") double clip;
    @Option(names = "--distill", defaultValue = "0", description = "weight of the KL from the LM reading XP as demonstrations to the prompted LM, at the answer tokens (0 = off, the paper's loss)") double distill;
    @Option(names = "--checkpoint-every", defaultValue = "100") int checkpointEvery;

    /** The trainer's options for a run writing to {@code out}, stopping after {@code stopAfter} steps (0 = never). */
    MetaTrainer.Options toOptions(Path out, int stopAfter, String command) {
        return new MetaTrainer.Options(out, base, tasks, lexicon, design, k, placement, loraRank, loraAlpha, loraTargets, seed,
                steps, episodes, queries, mMin, mMax, lMin, lMax, syntheticFraction, remapFraction, lr, warmup,
                temperature, clip, distill, checkpointEvery, stopAfter, command);
    }
}
