package io.metalprompt.trainer;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import picocli.CommandLine;

/** Runs {@code metal ...} as the application does (with {@link CliErrors}), capturing its exit code, stdout and stderr. */
final class MetalCli {

    record Run(int code, String out, String err) {
    }

    private MetalCli() {
    }

    static Run run(String... args) {
        return run(List.of(args));
    }

    static Run run(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = CliErrors.install(new CommandLine(new MetalCommand()));
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args.toArray(String[]::new));
        System.out.print(out);
        System.out.print(err);
        return new Run(code, out.toString(), err.toString());
    }
}
