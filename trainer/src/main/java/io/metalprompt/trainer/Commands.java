package io.metalprompt.trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine.Model.CommandSpec;

/** Small things the training commands share. */
final class Commands {

    private Commands() {
    }

    /** The command line as typed: {@code metal <subcommand> <arguments>}. */
    static String commandLine(CommandSpec spec) {
        return "metal " + String.join(" ", spec.root().commandLine().getParseResult().originalArgs());
    }

    /** The step a training folder's checkpoint is at (0 without one): the run is finished when it reaches --steps. */
    static long checkpointStep(Path out) {
        Path state = out.resolve("checkpoint/state.json");
        if (!Files.isRegularFile(state)) {
            return 0;
        }
        try {
            return new ObjectMapper().readTree(state.toFile()).path("step").asLong(0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + state + ": " + e.getMessage(), e);
        }
    }

    /** What a meta-trained version was made from, for its {@code version.json}. */
    static Map<String, String> data(MetaTrainOptions train) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("base", train.base.toString());
        data.put("tasks", train.tasks.toString());
        data.put("lexicon", train.lexicon.toString());
        return data;
    }
}
