package io.eie.cli;

import io.eie.config.Config;
import io.eie.storage.Database;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "migrate", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = {"Brings the schema of the database in EIE_DATABASE_URL to this version's, then exits: "
                + "run it before rolling out a new version. (`serve` migrates too, as it starts.)",
                "Migrations are Flyway's, from the jar; applied ones are recorded in flyway_schema_history."})
final class MigrateCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        Optional<Config> settings = Settings.fromEnvironment();
        if (settings.isEmpty()) {
            return Settings.INVALID;
        }
        if (settings.get().embedsDatabase()) {
            System.err.println("EIE_DATABASE_URL is not set: there is no database to migrate but the embedded one, "
                    + "which `serve` migrates as it starts.");
            return Settings.INVALID;
        }
        try (Database database = Database.connect(settings.get().database(), new SimpleMeterRegistry())) {
            System.out.println("The schema is at version " + database.schemaVersion() + ".");
            return 0;
        }
    }
}
