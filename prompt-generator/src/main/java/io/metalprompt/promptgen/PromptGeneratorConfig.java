package io.metalprompt.promptgen;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Every setting of the prompt-generator, under the {@code metal.} prefix (environment: {@code METAL_...}). */
@ConfigMapping(prefix = "metal")
public interface PromptGeneratorConfig {

    Redis redis();

    Model model();

    Rollout rollout();

    interface Redis {
        /** Redis server holding prompts and task metadata. Env: {@code METAL_REDIS_URL}. */
        @WithDefault("redis://127.0.0.1:16379")
        String url();

        /** Timeout of one Redis command (and of connecting). Env: {@code METAL_REDIS_TIMEOUT}. */
        @WithDefault("2s")
        Duration timeout();
    }

    interface Model {
        /** Base LM folder (Hugging Face layout). Env: {@code METAL_MODEL_BASE}. */
        @WithDefault("models/base-lm")
        String base();

        /** PGM folder ({@code pgm.json}, {@code adapter.safetensors}). Env: {@code METAL_MODEL_PGM}. */
        @WithDefault("models/pgm")
        String pgm();

        /** {@code cpu} or {@code gpu}. Env: {@code METAL_MODEL_DEVICE}. */
        @WithDefault("cpu")
        String device();

        /** {@code fp32}, or {@code fp16}/{@code bf16} on gpu. Env: {@code METAL_MODEL_DTYPE}. */
        @WithDefault("fp32")
        String dtype();
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
