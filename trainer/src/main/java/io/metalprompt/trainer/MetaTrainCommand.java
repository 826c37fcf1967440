package io.metalprompt.trainer;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.metalprompt.models.ModelPublisher;
import io.metalprompt.models.ModelStore;
import io.metalprompt.models.ModelVersion;
import io.metalprompt.prompt.MetaTrainer;
import io.metalprompt.prompt.MetaTrainerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code metal meta-train}: meta-trains (or resumes) a prompt generation model on a frozen base LM. */
@Command(name = "meta-train", mixinStandardHelpOptions = true,
        description = "Meta-train a MetaL-Prompt PGM (LoRA + trainable padding) on episodes of meta-training tasks; "
                + "resumes from OUT/checkpoint. With --store, the finished PGM becomes a new version of the model store "
                + "(and with --publish, the version the prompt-generators serve).")
public class MetaTrainCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin MetaTrainOptions train;
    @Option(names = "--out", required = true, description = "output PGM folder (pgm.json, adapter.safetensors)") Path out;
    @Option(names = "--stop-after", defaultValue = "0", description = "stop after this many steps of this run, leaving a checkpoint (0 = run to --steps)") int stopAfter;
    @Option(names = "--store", description = "model store: once training is finished, write the PGM into it as a new version") Path store;
    @Option(names = "--publish", description = "with --store: publish the new version on metal.model-events") boolean publish;
    @Mixin KafkaOptions kafka;

    @Override
    public Integer call() {
        if (publish && store == null) {
            throw new ParameterException(spec.commandLine(),
                    "--publish needs --store (a version of the model store is what gets published)");
        }
        String command = Commands.commandLine(spec);
        MetaTrainerOptions options = train.toOptions(out, stopAfter, command);
        double loss = new MetaTrainer(options, System.out).run();
        if (!Double.isNaN(loss)) {
            System.out.printf("meta-trained %s: mean loss over the last 20 steps %.4f%n", out, loss);
        }
        if (store == null) {
            return CliErrors.OK;
        }
        if (Commands.checkpointStep(out) < train.steps) {
            System.out.println("not finished yet: nothing written to the store " + store);
            return CliErrors.OK;
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (Double.isFinite(loss)) {
            metrics.put("train.loss_last20", loss);
        }
        ModelVersion version = new ModelStore(store).addPgm(List.of(out),
                new ModelStore.Provenance(command, Commands.data(train), metrics));
        System.out.println("model store " + store + ": new PGM version " + version.version());
        if (publish) {
            try (ModelPublisher publisher = kafka.publisher()) {
                publisher.publish(version, Instant.now());
            }
            System.out.println("published PGM version " + version.version());
        }
        return CliErrors.OK;
    }
}
