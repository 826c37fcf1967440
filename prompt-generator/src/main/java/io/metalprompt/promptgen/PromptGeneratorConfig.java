package io.metalprompt.promptgen;

import java.time.Duration;

import io.metalprompt.prompt.PromptEncoding;
import io.metalprompt.service.ServiceConfig;
import io.metalprompt.service.model.ModelServiceConfig;
import io.metalprompt.service.model.ModelSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Every setting of the prompt-generator, under the {@code metal.} prefix (environment: {@code METAL_...});
 * {@code redis()} comes from {@link ServiceConfig}, {@code model()} extends the group of {@link ModelServiceConfig}.
 */
@ConfigMapping(prefix = "metal")
public interface PromptGeneratorConfig extends ServiceConfig, ModelServiceConfig {

    /** The base LM ({@link ModelServiceConfig}) and the PGMs. */
    @Override
    Model model();

    Rollout rollout();

    Prompts prompts();

    /** The prompts the prompt-generator stores. */
    interface Prompts {
        /**
         * How a stored prompt keeps its tensors (PREFIX keys/values, embeddings): F32, F16 or INT8
         * ({@link PromptEncoding}); workers read every encoding. Env: {@code METAL_PROMPTS_ENCODING}.
         */
        @WithDefault(PromptEncoding.DEFAULT_NAME)
        PromptEncoding encoding();

        /**
         * Registrations generated together at most: the records one poll of the registrations topic returns, and the
         * rows of one batched PGM pass (a burst of registrations; docs/benchmarks.md "Registration bursts").
         * Env: {@code METAL_PROMPTS_MAX_BATCH}.
         */
        @WithDefault("16")
        int maxBatch();
    }

    /** The base LM (the group the model services share) and the PGMs served until a version is published. */
    interface Model extends ModelSettings {
        /** PGM folder ({@code pgm.json}, {@code adapter.safetensors}). Env: {@code METAL_MODEL_PGM}. */
        @WithDefault("models/pgm")
        String pgm();

        /**
         * The largest share of the letters of a task's example inputs that may be in words the model's tokenizer does
         * not know (no token gives them back, or it only spells them out); above it the task fails with the reason
         * ({@link VocabularyCheck}). 1 turns the check off. Env: {@code METAL_MODEL_MAX_UNKNOWN_WORDS}.
         */
        @WithDefault("0.5")
        double maxUnknownWords();
    }

    /** Moving tasks' prompts to a newly published PGM version (docs/architecture.md, "Model versions"). */
    interface Rollout {
        /** Prompts generated again per second at most, per prompt-generator. Env: {@code METAL_ROLLOUT_TASKS_PER_SECOND}. */
        @WithDefault("2")
        double tasksPerSecond();

        /** How often a replica checks for a published version to load and a rollout to drive. Env: {@code METAL_ROLLOUT_POLL}. */
        @WithDefault("2s")
        Duration poll();

        /** Tasks per page of the walk over all tasks (the saved cursor moves per page). Env: {@code METAL_ROLLOUT_PAGE_SIZE}. */
        @WithDefault("100")
        int pageSize();

        /** How long the replica driving a rollout keeps it after it stops renewing (dies). Env: {@code METAL_ROLLOUT_LEASE}. */
        @WithDefault("30s")
        Duration lease();
    }
}
