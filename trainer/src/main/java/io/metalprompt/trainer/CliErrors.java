package io.metalprompt.trainer;

import java.io.FileNotFoundException;
import java.nio.file.FileSystemException;
import java.util.Set;

import io.metalprompt.lm.ModelLoadException;
import io.metalprompt.tasks.TaskDataException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * How every {@code metal} command ends (README, "Command line"): exit code {@value #OK} when it did its job,
 * {@value #FAILED} when the run failed, {@value #BAD_INPUT} on bad input; a failure is one line on standard error,
 * never a stack trace, except for a bug.
 * <ul>
 * <li><b>Bad input</b> ({@value #BAD_INPUT}): what picocli rejects while parsing (an unknown option, a missing or
 * malformed value, a value outside a closed set: picocli prints the reason and the usage), an option a command rejects
 * ({@link CommandLine.ParameterException}, {@link IllegalArgumentException}), a model folder that does not load
 * ({@link ModelLoadException}), task data or a config that is missing or malformed ({@link TaskDataException}), a file
 * or folder a command opens that is not there or not allowed ({@link FileSystemException}). One line:
 * {@code metal <command>: <reason>}.</li>
 * <li><b>Failed run</b> ({@value #FAILED}): anything else that stops a command — Redis, Kafka or the gateway failing or
 * refusing, a version or key that is not there, a run that cannot go on; commands that check something (e.g.
 * {@code lm check}) also return it when the check fails. One line: {@code metal <command>: failed: <reason>}; for
 * a bug (a {@link NullPointerException} and the like) the stack trace follows.</li>
 * </ul>
 */
final class CliErrors implements IExecutionExceptionHandler {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int BAD_INPUT = 2;

    private static final Set<Class<? extends RuntimeException>> BUGS = Set.of(NullPointerException.class,
            ClassCastException.class, IndexOutOfBoundsException.class, ArrayIndexOutOfBoundsException.class,
            StringIndexOutOfBoundsException.class, ArithmeticException.class, UnsupportedOperationException.class);

    private CliErrors() {
    }

    /** {@code cmd} with this handler; returns it. */
    static CommandLine install(CommandLine cmd) {
        return cmd.setExecutionExceptionHandler(new CliErrors());
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) throws Exception {
        if (e instanceof CommandLine.ParameterException p) {
            return cmd.getParameterExceptionHandler().handleParseException(p, parsed.originalArgs().toArray(String[]::new));
        }
        String command = cmd.getCommandSpec().qualifiedName();
        if (isBadInput(e)) {
            cmd.getErr().println(command + ": " + reason(e));
            cmd.getErr().flush();
            return BAD_INPUT;
        }
        cmd.getErr().println(command + ": failed: " + reason(e));
        if (BUGS.contains(e.getClass())) {
            e.printStackTrace(cmd.getErr());
        }
        cmd.getErr().flush();
        return FAILED;
    }

    /** Whether {@code e} says the input is bad rather than the run failed (a file the run itself writes is a failure). */
    static boolean isBadInput(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof ModelLoadException || e instanceof TaskDataException
                || e instanceof FileSystemException || e instanceof FileNotFoundException;
    }

    /** The exception's message, with its cause's when that says more; the class name when there is no message. */
    static String reason(Throwable e) {
        String m = e.getMessage();
        String reason = m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
        Throwable cause = e.getCause();
        if (cause != null && cause != e && cause.getMessage() != null && !reason.contains(cause.getMessage())) {
            reason += " (" + cause.getMessage() + ")";
        }
        return reason;
    }
}
