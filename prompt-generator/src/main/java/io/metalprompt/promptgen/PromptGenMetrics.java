package io.metalprompt.promptgen;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.metalprompt.events.TaskRegistered;
import io.metalprompt.store.UsageStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** What the prompt-generator measures of the task records it handles (docs/observability.md). */
final class PromptGenMetrics {

    private final MeterRegistry registry;
    private final UsageStore usage;
    private final Clock clock;
    private final DistributionSummary artifactBytes;
    private final DistributionSummary batchTasks;

    /** {@code usage}: where each prompt generated for a tenant is counted (null: not counted). */
    PromptGenMetrics(MeterRegistry registry, UsageStore usage, Clock clock) {
        this.registry = registry;
        this.usage = usage;
        this.clock = clock;
        this.artifactBytes = DistributionSummary.builder("metal.promptgen.artifact").baseUnit("bytes")
                .description("Size of each stored prompt artifact").register(registry);
        this.batchTasks = DistributionSummary.builder("metal.promptgen.batch.tasks")
                .description("Registrations generated together (one batched PGM pass per pass of the examples)")
                .register(registry);
    }

    /**
     * Counts what became of a record: {@code ready}, {@code failed}, {@code redelivered}, {@code deleted}, and for more
     * examples {@code rejected} or {@code skipped}.
     */
    void count(String outcome) {
        Counter.builder("metal.promptgen.task.events").description("Task records handled, by what became of them")
                .tag("outcome", outcome).register(registry).increment();
    }

    /** Times one generation; {@code outcome} is {@code ready} or {@code failed}. */
    void timeGeneration(String outcome, TaskRegistered task, long nanos) {
        Timer.builder("metal.promptgen.generation")
                .description("Generating one task's prompt with the PGM (one pass, or iterative for many examples); "
                        + "a task generated in a batch records the batch's time")
                .tag("design", task.design().name().toLowerCase(Locale.ROOT))
                .tag("outcome", outcome)
                .publishPercentileHistogram().register(registry).record(Duration.ofNanos(nanos));
    }

    void artifactBytes(int bytes) {
        artifactBytes.record(bytes);
    }

    void batchTasks(int tasks) {
        batchTasks.record(tasks);
    }

    /**
     * Counts one prompt generated for the tenant, before it is stored: a redelivered record generates again only if
     * the prompt was not stored, and the event id ({@code generation:<task>:<what>}) makes the count once in either
     * case ({@link UsageStore}). Prompts made again for a newly published PGM (a rollout) are the provider's doing
     * and not counted.
     */
    void countGeneration(String tenant, String taskId, String what) {
        if (usage != null && usage.record(tenant, taskId, "generation:" + taskId + ":" + what, today(),
                Map.of(UsageStore.PROMPT_GENERATIONS, 1L))) {
            countedGeneration(tenant);
        }
    }

    /**
     * {@link #countGeneration} of each task's prompt in Redis, the writes pipelined; which were counted now (for each,
     * call {@link #countedGeneration}, in the record's context).
     */
    boolean[] recordGenerations(List<TaskRegistered> tasks, String what) {
        if (usage == null) {
            return new boolean[tasks.size()];
        }
        LocalDate day = today();
        return usage.recordAll(tasks.stream().map(t -> new UsageStore.Event(t.tenant(), t.taskId(),
                "generation:" + t.taskId() + ":" + what, day, Map.of(UsageStore.PROMPT_GENERATIONS, 1L))).toList());
    }

    /** The Prometheus side of a generation counted for {@code tenant}. */
    void countedGeneration(String tenant) {
        Counter.builder("metal.promptgen.usage.generations").description("Prompts generated for tenants, per tenant "
                + "(each once; the same counts as GET /v1/usage)").tag("tenant", tenant).register(registry).increment();
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
}
