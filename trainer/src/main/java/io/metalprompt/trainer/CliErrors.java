package io.metalprompt.trainer;

import java.io.IOException;
import java.io.UncheckedIOException;

import io.metalprompt.lm.ModelLoadException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * What a command's failure on bad input looks like: one line naming the command and the reason, exit code 2 (as for
 * a usage error), no stack trace. Bad input is a model folder that does not load, an option value a component
 * rejects ({@link IllegalArgumentException}), a file that cannot be read. Anything else is a bug and keeps
 * picocli's default (the stack trace, exit code 1).
 */
final class CliErrors implements IExecutionExceptionHandler {

    static final int BAD_INPUT = 2;

    private CliErrors() {
    }

    /** {@code cmd} with this handler; returns it. */
    static CommandLine install(CommandLine cmd) {
        return cmd.setExecutionExceptionHandler(new CliErrors());
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) throws Exception {
        if (!(e instanceof ModelLoadException || e instanceof IllegalArgumentException
                || e instanceof UncheckedIOException || e instanceof IOException)) {
            throw e;
        }
        String reason = e.getMessage();
        if (e instanceof UncheckedIOException u && u.getCause() != null) {
            reason = u.getCause().toString();
        } else if (e instanceof IOException) {
            reason = e.toString();
        }
        cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + reason);
        return BAD_INPUT;
    }
}
