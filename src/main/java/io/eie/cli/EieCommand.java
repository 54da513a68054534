package io.eie.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The engine's command line. Without a subcommand it serves, so that {@code java -jar eie.jar}
 * runs the engine. Settings come from EIE_* environment variables (the README lists them); the
 * options of each command are only about that command's own work.
 */
@Command(name = "eie", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "Energy Ingestion Engine: EV and smart-meter telemetry into PostgreSQL, with charging efficiency.",
        footer = {"", "Configured by EIE_* environment variables; see the README."},
        subcommands = {ServeCommand.class, MigrateCommand.class, CompactCommand.class, SeedCommand.class, BrokerCommand.class,
                VersionCommand.class, CommandLine.HelpCommand.class})
public final class EieCommand implements Callable<Integer> {

    /** The command line, with exit codes for bad usage (2) and failures (1) as the commands report them. */
    public static CommandLine commandLine() {
        return new CommandLine(new EieCommand()).setExecutionExceptionHandler((e, commandLine, parsed) -> {
            commandLine.getErr().println(commandLine.getCommandName() + " failed: " + e.getMessage());
            return 1;
        });
    }

    @Override
    public Integer call() throws Exception {
        return new ServeCommand().call();
    }
}
