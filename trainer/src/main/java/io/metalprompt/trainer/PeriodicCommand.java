package io.metalprompt.trainer;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import io.metalprompt.eval.Evaluator;
import io.metalprompt.eval.Metrics;
import io.metalprompt.events.ModelPublished;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.lm.ModelLoadException;
import io.metalprompt.models.ModelKind;
import io.metalprompt.models.ModelPublisher;
import io.metalprompt.models.ModelStore;
import io.metalprompt.models.ModelVersion;
import io.metalprompt.prompt.MetaTrainer;
import io.metalprompt.prompt.MetaTrainerOptions;
import io.metalprompt.prompt.PromptEncoding;
import io.metalprompt.prompt.PromptGenerator;
import io.metalprompt.tasks.TaskConfig;
import io.metalprompt.tasks.TaskRoot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code metal periodic}: one run of the periodic training job (a Kubernetes CronJob). Each run meta-trains at most
 * {@code --steps-per-run} more steps of the current cycle (resuming from {@code WORK/checkpoint}); the run that
 * finishes the cycle evaluates the new PGM and the version in force on the held-out tasks of {@code --config} (the
 * {@code metal eval --method metal-prompt} path, same tasks, k and seeds), writes the new PGM into the store and
 * publishes it only if it is not worse than the version in force by more than {@code --threshold}; then the next run
 * starts a new cycle. Exit code 0: trained on, published, or kept the version in force (each said on standard output);
 * otherwise as every command ({@link CliErrors}): 1 failed, 2 bad input, with the reason on standard error.
 */
@Command(name = "periodic", mixinStandardHelpOptions = true,
        description = "One run of the periodic training job: meta-train on (bounded, resumable), and once the PGM is "
                + "finished evaluate it against the version in force on held-out tasks and publish it only if it is not worse.")
public class PeriodicCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin MetaTrainOptions train;
    @Mixin KafkaOptions kafka;
    @Option(names = "--store", required = true, description = "model store folder, at the path the services mount it") Path store;
    @Option(names = "--config", required = true, description = "config JSON whose \"test\" list names the held-out tasks (a file, or a path inside --tasks such as config/cls_to_cls_dev.json)") Path config;
    @Option(names = "--start-up-pgm", description = "the prompt-generators' start-up PGMs (their metal.model.pgm): compared with while no version is published") Path startUpPgm;
    @Option(names = "--work", description = "training folder of the current cycle (default STORE/work/periodic-<design>)") Path work;
    @Option(names = "--steps-per-run", defaultValue = "200", description = "meta-training steps one run does at most (default ${DEFAULT-VALUE})") int stepsPerRun;
    @Option(names = "--eval-k", defaultValue = "16", description = "examples per held-out task (<task>_<k>_<seed>_train.jsonl; default ${DEFAULT-VALUE})") int evalK;
    @Option(names = "--eval-seeds", defaultValue = "100,13,21,42,87", split = ",", description = "seeds of the held-out examples (default ${DEFAULT-VALUE})") List<Integer> evalSeeds;
    @Option(names = "--xl", defaultValue = "0", description = "XL demonstrations kept after the prompt in the evaluation (default ${DEFAULT-VALUE})") int xl;
    @Option(names = "--metric", defaultValue = "macro_f1", converter = PublishMetric.Values.class, completionCandidates = PublishMetric.Values.class,
            description = "the held-out score compared: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})") PublishMetric metric;
    @Option(names = "--threshold", defaultValue = "0.0", description = "how much lower than the version in force the new PGM may score and still be published; negative: how much higher it must score (default ${DEFAULT-VALUE})") double threshold;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        TaskConfig held = heldOutTasks();
        Path dir = work != null ? work : store.resolve("work").resolve("periodic-" + train.design.name().toLowerCase(Locale.ROOT));
        String command = Commands.commandLine(spec);
        if (trainOn(out, dir, command)) {
            finishCycle(out, dir, held, command);
        }
        return CliErrors.OK;
    }

    private TaskConfig heldOutTasks() {
        TaskConfig held;
        try (TaskRoot root = TaskRoot.open(train.tasks)) {
            held = TaskConfig.read(configFile(root));
        }
        if (held.test().isEmpty()) {
            throw new IllegalArgumentException(config + " names no held-out (\"test\") tasks to evaluate on");
        }
        return held;
    }

    /** Meta-trains at most --steps-per-run more steps; true once the cycle's PGM is finished. */
    private boolean trainOn(PrintWriter out, Path dir, String command) {
        if (Commands.checkpointStep(dir) >= train.steps && Files.isRegularFile(dir.resolve(PromptGenerator.CONFIG_FILE))) {
            return true;
        }
        new MetaTrainer(train.toOptions(dir, stepsPerRun, command), System.out).run();
        long step = Commands.checkpointStep(dir);
        if (step < train.steps) {
            say(out, "periodic: meta-training at step %d of %d in %s; the next run goes on", step, train.steps, dir);
            return false;
        }
        return true;
    }

    /** Evaluates the finished PGM against what is served, stores it, publishes it if not worse; starts a new cycle. */
    private void finishCycle(PrintWriter out, Path dir, TaskConfig held, String command) {
        try (LanguageModel lm = LanguageModel.load(train.base, LmSettings.cpu());
             LmTokenizer tokenizer = LmTokenizer.load(train.base);
             TaskRoot root = TaskRoot.open(train.tasks);
             ModelPublisher publisher = kafka.publisher()) {
            Optional<ModelPublished> inForce = publisher.current(lm.fingerprint());
            Competitor current = competitor(inForce);
            String newSha = ModelStore.pgmContentSha256(List.of(dir));
            if (current.pgm().isPresent() && newSha.equals(ModelStore.pgmContentSha256(List.of(current.pgm().get())))) {
                say(out, "periodic: kept %s: the new PGM has the same weights (same data and seed)", current.name());
            } else {
                Metrics.Score candidate = evaluate(lm, tokenizer, root, held, dir, "the new PGM");
                Double score = current.pgm().map(p -> metric.of(evaluate(lm, tokenizer, root, held, p, current.name())))
                        .orElse(null);
                PublishDecision decision = PublishDecision.decide(metric.spelling(), metric.of(candidate), score,
                        current.pgm().isPresent() ? current.name() : null, threshold);
                ModelVersion version = new ModelStore(store).findByContent(ModelKind.PGM, newSha)
                        .orElseGet(() -> addVersion(dir, candidate, current.comparedWith(inForce), command));
                publishOrKeep(out, publisher, version, decision, current);
            }
            newCycle(out, dir);
        }
    }

    /** What the new PGM competes with: the design's PGM in the version in force, else the start-up PGM, else none. */
    private Competitor competitor(Optional<ModelPublished> inForce) {
        if (inForce.isPresent()) {
            return new Competitor(pgmOfDesign(inForce.get()), "PGM version " + inForce.get().pgmVersion());
        }
        Optional<Path> startUp = startUpPgm == null ? Optional.empty() : startUpPgmOfDesign();
        return new Competitor(startUp, "the start-up PGM " + startUp.map(Path::toString).orElse(""));
    }

    private ModelVersion addVersion(Path dir, Metrics.Score candidate, String comparedWith, String command) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("eval.macro_f1", candidate.macroF1());
        metrics.put("eval.accuracy", candidate.accuracy());
        Map<String, String> data = new LinkedHashMap<>(Commands.data(train));
        data.put("config", config.toString());
        data.put("eval", String.format(Locale.ROOT, "k=%d seeds=%s xl=%d", evalK, evalSeeds, xl));
        data.put("comparedWith", comparedWith);
        return new ModelStore(store).addPgm(List.of(dir), new ModelStore.Provenance(command, data, metrics));
    }

    private static void publishOrKeep(PrintWriter out, ModelPublisher publisher, ModelVersion version,
                                      PublishDecision decision, Competitor current) {
        if (decision.publish()) {
            publisher.publish(version, Instant.now());
            say(out, "periodic: published PGM version %s: %s", version.version(), decision.reason());
        } else {
            say(out, "periodic: kept %s; the new version %s stays in the store unpublished: %s",
                    current.pgm().isPresent() ? current.name() : "what is served", version.version(), decision.reason());
        }
    }

    /** The PGM the new one competes with, if any, and how the messages name it. */
    private record Competitor(Optional<Path> pgm, String name) {

        /** For the new version's provenance: the version in force, the start-up PGM or none. */
        String comparedWith(Optional<ModelPublished> inForce) {
            return pgm.isEmpty() ? "none" : inForce.map(ModelPublished::pgmVersion).orElse("start-up:" + pgm.get());
        }
    }

    /** {@code --config} on disk, else inside the task tree (the shipped tasks.zip holds config/cls_to_cls_dev.json). */
    private Path configFile(TaskRoot root) {
        if (Files.isRegularFile(config)) {
            return config;
        }
        Path inside = root.path().resolve(config.toString());
        if (Files.isRegularFile(inside)) {
            return inside;
        }
        throw new IllegalArgumentException("no config file " + config + ", neither on disk nor inside " + train.tasks);
    }

    /** The start-up PGM of this job's design; empty when there is none of it. */
    private Optional<Path> startUpPgmOfDesign() {
        if (!Files.isDirectory(startUpPgm)) {
            throw new IllegalArgumentException("--start-up-pgm " + startUpPgm + " is not a folder this job can read");
        }
        try {
            return Optional.of(PgmChoice.folder(startUpPgm, train.design));
        } catch (ModelLoadException e) {
            return Optional.empty();
        }
    }

    /** The PGM of this job's design in a published version's folder; empty when the version has none of it. */
    private Optional<Path> pgmOfDesign(ModelPublished event) {
        Path location = Path.of(event.location());
        if (!Files.isDirectory(location)) {
            throw new IllegalStateException("version " + event.pgmVersion() + " in force is at " + location
                    + ", which this job cannot read: mount the model store at the path the services use");
        }
        try {
            return Optional.of(PgmChoice.folder(location, train.design));
        } catch (ModelLoadException e) {
            return Optional.empty();   // the version in force holds other designs only
        }
    }

    private Metrics.Score evaluate(LanguageModel lm, LmTokenizer tokenizer, TaskRoot root, TaskConfig held, Path pgm,
                                   String what) {
        System.out.println("evaluating " + what + " on " + held.test().size() + " held-out tasks");
        Evaluator.Report report = new Evaluator(lm, tokenizer).run(root.path(), held, evalK, evalSeeds,
                PgmChoice.conditioner(lm, tokenizer, pgm, train.design, xl, 0, PromptEncoding.DEFAULT, 0), System.out::println);
        System.out.printf(Locale.ROOT, "%s: macro-F1 %.4f accuracy %.4f%n", what, report.mean().macroF1(),
                report.mean().accuracy());
        return report.mean();
    }

    /** Removes the finished cycle's training folder: the next run trains a new PGM. */
    private void newCycle(PrintWriter out, Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + dir + " for the next cycle", e);
        }
        say(out, "periodic: cycle finished; the next run starts a new one in %s", dir);
    }

    private static void say(PrintWriter out, String format, Object... args) {
        out.printf(Locale.ROOT, format + "%n", args);
        out.flush();
    }
}
