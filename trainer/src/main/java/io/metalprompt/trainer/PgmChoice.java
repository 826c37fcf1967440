package io.metalprompt.trainer;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.KvCache;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.lm.ModelLoadException;
import io.metalprompt.prompt.GeneratedPrompt;
import io.metalprompt.prompt.PromptConditioner;
import io.metalprompt.prompt.PromptEncoding;
import io.metalprompt.prompt.PromptGenerator;
import io.metalprompt.prompt.PromptTuner;
import io.metalprompt.prompt.TaskConditioner;
import io.metalprompt.tasks.TaskExample;

/** The PGM-based evaluation methods: generated prompts (optionally refined) and prompt tuning from a random start. */
final class PgmChoice {

    private PgmChoice() {
    }

    /**
     * MetaL-Prompt: one PGM pass per task over its XP examples, served as stored in {@code encoding} (the prompt read
     * back from its artifact's bytes), or refined for {@code refineSteps} and served as refined (nothing stored);
     * {@code passesKept} > 0 overrides how the PGM assembles a prompt from several passes.
     */
    static TaskConditioner conditioner(LanguageModel lm, LmTokenizer tokenizer, Path pgmPath, PromptDesign design,
                                       int xl, int refineSteps, PromptEncoding encoding, int passesKept) {
        PromptGenerator pgm = PromptGenerator.load(lm, folder(pgmPath, design), passesKept);
        if (design != null && pgm.design() != design) {
            throw new IllegalArgumentException("the PGM in " + pgmPath + " is a " + pgm.design() + " PGM, not " + design);
        }
        if (refineSteps <= 0) {
            return new PromptConditioner(lm, tokenizer, pgm, xl, encoding);
        }
        PromptTuner tuner = new PromptTuner(lm, tokenizer).optSteps(refineSteps);
        return new TaskConditioner() {
            @Override
            public KvCache condition(List<TaskExample> examples) {
                List<TaskExample> xp = PromptConditioner.xp(examples, xl);
                try (GeneratedPrompt generated = pgm.generate(xp, tokenizer);
                     GeneratedPrompt refined = tuner.refine(generated, examples)) {
                    return PromptConditioner.prefix(lm, tokenizer, refined, PromptConditioner.xl(examples, xl));
                }
            }

            @Override
            public String name() {
                return "metal-prompt-" + pgm.design().name().toLowerCase(Locale.ROOT) + "-xl" + xl + "-refined" + refineSteps;
            }
        };
    }

    /** The baseline: a prompt of {@code k} positions tuned from a random start for {@code steps} on the task's examples. */
    static TaskConditioner promptTuning(LanguageModel lm, LmTokenizer tokenizer, PromptDesign design, int k, int steps) {
        PromptTuner tuner = new PromptTuner(lm, tokenizer).optSteps(steps);
        return new TaskConditioner() {
            @Override
            public KvCache condition(List<TaskExample> examples) {
                try (GeneratedPrompt tuned = tuner.tuneFromRandom(design, k, examples)) {
                    return PromptConditioner.prefix(lm, tokenizer, tuned, List.of());
                }
            }

            @Override
            public String name() {
                return "prompt-tuning-" + design.name().toLowerCase(Locale.ROOT) + "-k" + k + "-steps" + steps;
            }
        };
    }

    /** {@code path} itself when it is a PGM folder, else its sub-folder for {@code design} (or its only one). */
    static Path folder(Path path, PromptDesign design) {
        List<Path> pgms = PromptGenerator.folders(path);
        if (pgms.size() == 1 && (design == null || pgms.get(0).equals(path))) {
            return pgms.get(0);   // a single PGM; its design is checked once it is loaded
        }
        if (design == null) {
            throw new ModelLoadException("several PGMs under " + path + ": choose one with --design");
        }
        Path named = path.resolve(design.name().toLowerCase(Locale.ROOT));
        if (!pgms.contains(named)) {
            throw new ModelLoadException("no " + design + " PGM under " + path + " (expected " + named + ")");
        }
        return named;
    }
}
