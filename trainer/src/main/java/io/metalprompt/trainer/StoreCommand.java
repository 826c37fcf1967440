package io.metalprompt.trainer;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import io.metalprompt.events.ModelPublished;
import io.metalprompt.models.ModelKind;
import io.metalprompt.models.ModelPublisher;
import io.metalprompt.models.ModelStore;
import io.metalprompt.models.ModelVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code metal store}: the model store's versions — list them, add a PGM folder as a version, publish one. */
@Command(name = "store", mixinStandardHelpOptions = true,
        description = "Model store (docs/models.md): list versions, add a PGM folder as a new version, publish a version "
                + "(also to roll back: publish an older one).",
        subcommands = {StoreCommand.ListVersions.class, StoreCommand.Add.class, StoreCommand.Publish.class})
public class StoreCommand {

    /** The version kinds as the store names its folders: {@code pgm}, {@code base}. */
    static final class Kinds extends Spellings<ModelKind> {
        public Kinds() {
            super(ModelKind.class, k -> List.of(k.folder()));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the store's versions, oldest first.")
    static class ListVersions implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--store", required = true, description = "model store folder") Path store;
        @Option(names = "--kind", defaultValue = "pgm", converter = Kinds.class, completionCandidates = Kinds.class,
                description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})") ModelKind k;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<ModelVersion> versions = new ModelStore(store).list(k);
            if (versions.isEmpty()) {
                out.println("no " + k.folder() + " versions in " + store);
                return CliErrors.OK;
            }
            out.println("| version | created | base | designs | metrics |");
            out.println("|---|---|---|---|---|");
            for (ModelVersion v : versions) {
                out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", v.version(), v.createdAt(),
                        v.baseFingerprint().substring(0, Math.min(12, v.baseFingerprint().length())),
                        String.join(",", v.designs()), v.metrics().entrySet().stream().sorted(Map.Entry.comparingByKey())
                                .map(e -> String.format(Locale.ROOT, "%s=%.4f", e.getKey(), e.getValue()))
                                .collect(Collectors.joining(" ")));
            }
            out.flush();
            return CliErrors.OK;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Write PGM folders (one per design, trained on one base model) into the store as a new version.")
    static class Add implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--store", required = true, description = "model store folder") Path store;
        @Option(names = "--pgm", required = true, description = "PGM folder (pgm.json, adapter.safetensors); repeat for more designs") List<Path> pgms;
        @Option(names = "--metric", description = "NAME=VALUE recorded with the version; repeatable") Map<String, Double> metrics;
        @Option(names = "--data", description = "NAME=LOCATION of data the PGM was made from; repeatable") Map<String, String> data;

        @Override
        public Integer call() {
            ModelVersion v = new ModelStore(store).addPgm(pgms, new ModelStore.Provenance(Commands.commandLine(spec),
                    data == null ? Map.of() : data, metrics == null ? Map.of() : new LinkedHashMap<>(metrics)));
            spec.commandLine().getOut().println(v.version());
            spec.commandLine().getOut().flush();
            return CliErrors.OK;
        }
    }

    @Command(name = "publish", mixinStandardHelpOptions = true,
            description = "Publish a PGM version on metal.model-events: the prompt-generators load it and move every task's "
                    + "prompt to it. Publishing an older version is a rollback.")
    static class Publish implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--store", required = true, description = "model store folder (at the path the services mount it)") Path store;
        @Option(names = "--id", required = true, description = "the version id (metal store list)") String version;
        @Mixin KafkaOptions kafka;

        @Override
        public Integer call() {
            ModelVersion v = new ModelStore(store).get(ModelKind.PGM, version);
            try (ModelPublisher publisher = kafka.publisher()) {
                ModelPublished e = publisher.publish(v, Instant.now());
                spec.commandLine().getOut().printf("published PGM version %s for base %s at %s (location %s)%n",
                        e.pgmVersion(), e.baseFingerprint(), e.publishedAt(), e.location());
            }
            spec.commandLine().getOut().flush();
            return CliErrors.OK;
        }
    }
}
