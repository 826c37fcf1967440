package io.metalprompt.promptgen;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.metalprompt.events.Example;
import io.metalprompt.events.TaskRefineRequested;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.prompt.GeneratedPrompt;
import io.metalprompt.prompt.PromptArtifact;
import io.metalprompt.prompt.PromptTuner;
import io.metalprompt.store.ExampleStore;
import io.metalprompt.store.PromptVersion;
import io.metalprompt.store.Refinements;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;
import io.metalprompt.store.UsageStore;
import io.metalprompt.tasks.TaskExample;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Background refinement, without a broker: a task's served prompt refined by gradient steps on its examples
 * ({@link PromptTuner}, what {@code metal eval --refine} runs), stored as the task's next prompt version and served
 * the same atomic way as a version from more examples, if it is not worse on the validation examples
 * ({@link VersionGate#serveIfNotWorse}). Idempotent, so a record read again after a crash redoes or finishes the
 * work: a version already served ends it, a stored one is served without refining again.
 */
public class Refiner {

    private static final Logger LOG = Logger.getLogger(Refiner.class);

    private final TaskStore store;
    private final TaskPrompts prompts;
    private final ExampleStore examples;
    private final Refinements refinements;
    private final VersionGate versions;
    private final LanguageModel model;
    private final LmTokenizer tokenizer;
    private final UsageStore usage;
    private final Clock clock;
    private final java.time.Duration readyWait;
    private final MeterRegistry registry;

    /** {@code registry}: where the steps counted for each tenant are also a Prometheus counter (null: not). */
    public Refiner(TaskStore store, TaskPrompts prompts, ExampleStore examples, Refinements refinements,
                   VersionGate versions, LanguageModel model, LmTokenizer tokenizer, UsageStore usage, Clock clock,
                   MeterRegistry registry) {
        this(store, prompts, examples, refinements, versions, model, tokenizer, usage, clock,
                java.time.Duration.ofMinutes(2), registry);
    }

    /**
     * {@code readyWait}: how long a refinement asked for at registration waits for the task's first prompt (the
     * generation group makes it meanwhile; the record comes right after the registration on the same partition).
     */
    public Refiner(TaskStore store, TaskPrompts prompts, ExampleStore examples, Refinements refinements,
                   VersionGate versions, LanguageModel model, LmTokenizer tokenizer, UsageStore usage, Clock clock,
                   java.time.Duration readyWait, MeterRegistry registry) {
        this.readyWait = readyWait;
        this.registry = registry;
        this.store = store;
        this.prompts = prompts;
        this.examples = examples;
        this.refinements = refinements;
        this.versions = versions;
        this.model = model;
        this.tokenizer = tokenizer;
        this.usage = usage;
        this.clock = clock;
    }

    /** Refines as {@code request} asks; ends the task's refinement as {@code done} or {@code rejected}. */
    public void refine(TaskRefineRequested request) {
        String taskId = request.taskId();
        Optional<TaskRecord> found = awaitFirstPrompt(store, taskId, request.tenant(), readyWait);
        Optional<TaskRegistered> registration = store.registration(taskId);
        if (found.isEmpty() || registration.isEmpty() || !found.get().ready()) {
            refinements.refinementEnded(request.tenant(), taskId, Refinements.Refinement.REJECTED);
            return;
        }
        TaskRecord task = found.get();
        if (task.servedVersion() >= request.version()) {
            refinements.refinementEnded(request.tenant(), taskId, Refinements.Refinement.DONE);   // read again after it was done
            return;
        }
        Optional<PromptVersion> stored = prompts.version(taskId, request.version());
        if (stored.isPresent() && stored.get().rejected() != null) {
            refinements.refinementEnded(request.tenant(), taskId, Refinements.Refinement.REJECTED);
            return;
        }
        PromptVersion version;
        byte[] artifact;
        if (stored.isPresent()) {
            version = stored.get();   // stored before a crash: serve it, do not refine again
            artifact = prompts.versionArtifact(taskId, request.version()).orElseThrow();
        } else {
            refinements.refinementRunning(taskId);
            byte[] served = prompts.artifactFor(task).orElse(null);
            List<Example> training = new ArrayList<>(registration.get().examples());
            training.addAll(examples.addedExampleList(taskId));
            int seen = prompts.version(taskId, task.servedVersion()).map(PromptVersion::examplesSeen)
                    .orElse(registration.get().examples().size());
            try {
                if (served == null) {
                    throw new IllegalArgumentException("the served prompt is not in Redis");
                }
                artifact = refined(registration.get(), served, training, request.steps());
            } catch (IllegalArgumentException e) {
                prompts.saveVersion(taskId, new PromptVersion(request.version(), PromptVersion.REFINED, seen,
                        task.pgmVersion(), clock.instant(), null, e.getMessage()), null);
                refinements.refinementEnded(request.tenant(), taskId, Refinements.Refinement.REJECTED);
                LOG.infof("task %s: refinement rejected: %s", taskId, e.getMessage());
                return;
            }
            countSteps(request);
            version = new PromptVersion(request.version(), PromptVersion.REFINED, seen, task.pgmVersion(),
                    clock.instant(), versions.score(registration.get(), training, artifact), null);
            prompts.saveVersion(taskId, version, artifact);
        }
        PromptArtifact made = PromptArtifact.fromBytes(artifact);
        Optional<String> worse = versions.serveIfNotWorse(registration.get(), task, version, made.k(), null);
        refinements.refinementEnded(request.tenant(), taskId,
                worse.isPresent() ? Refinements.Refinement.REJECTED : Refinements.Refinement.DONE);
        LOG.infof("task %s: refined by %d steps into version %d: %s", taskId, request.steps(), request.version(),
                worse.orElse("served"));
    }

    /**
     * Counts the refinement's steps for its tenant, once per refinement (event id {@code refine:<task>:<version>}): a
     * refinement redone after a crash adds nothing, in Redis ({@code GET /v1/usage}) nor in the Prometheus counter.
     */
    private void countSteps(TaskRefineRequested request) {
        if (usage != null && usage.record(request.tenant(), request.taskId(),
                "refine:" + request.taskId() + ":" + request.version(), LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC),
                Map.of(UsageStore.REFINEMENT_STEPS, (long) request.steps())) && registry != null) {
            Counter.builder("metal.promptgen.usage.refinement.steps").description("Refinement steps run for tenants, per "
                    + "tenant (each refinement once; the same counts as GET /v1/usage)").tag("tenant", request.tenant())
                    .register(registry).increment(request.steps());
        }
    }

    /**
     * The task once it is no longer pending (or after {@code wait}); empty when it is gone or another tenant's. Polls
     * Redis every 250 ms: the generation group makes the first prompt meanwhile.
     */
    static Optional<TaskRecord> awaitFirstPrompt(TaskStore store, String taskId, String tenant, java.time.Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Optional<TaskRecord> found = store.find(taskId).filter(t -> tenant.equals(t.tenant()));
            if (found.isEmpty() || !TaskRecord.PENDING.equals(found.get().status()) || System.nanoTime() > deadline) {
                return found;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return found;
            }
        }
    }

    /** Ends a refinement that failed unexpectedly (logged by the caller): rejected, its tenant's slot freed. */
    public void abandon(TaskRefineRequested request) {
        refinements.refinementEnded(request.tenant(), request.taskId(), Refinements.Refinement.REJECTED);
    }

    /** The served prompt after {@code steps} gradient steps on {@code training}, as an artifact (F32, as refined). */
    private byte[] refined(TaskRegistered task, byte[] served, List<Example> training, int steps) {
        PromptArtifact start = PromptArtifact.fromBytes(served);
        List<TaskExample> examples = training.stream()
                .map(e -> new TaskExample(task.taskId(), e.input(), e.output(), task.options())).toList();
        try (GeneratedPrompt from = start.toPrompt(model.manager());
             GeneratedPrompt refined = new PromptTuner(model, tokenizer).optSteps(steps).refine(from, examples)) {
            Map<String, PromptArtifact.Tensor> tensors = new LinkedHashMap<>();
            refined.tensors().forEach((name, a) -> tensors.put(name,
                    new PromptArtifact.Tensor(a.getShape().getShape(), a.toFloatArray())));
            return new PromptArtifact(start.design(), start.k(), start.pgmId(), start.pgmVersion(), start.baseFingerprint(),
                    clock.instant(), null, null, tensors).toBytes();
        }
    }
}
