package io.metalprompt.trainer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import io.quarkus.picocli.runtime.PicocliCommandLineFactory;
import picocli.CommandLine;

/** The {@code metal} command line as Quarkus runs it, with {@link CliErrors} for failures on bad input. */
@ApplicationScoped
class CommandLineSetup {

    @Produces
    CommandLine commandLine(PicocliCommandLineFactory factory) {
        return CliErrors.install(factory.create());
    }
}
