package io.eie.cli;

import io.eie.config.Config;
import io.eie.storage.Database;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import picocli.CommandLine.Command;

@Command(name = "migrate", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = {"Brings the schema of the database in EIE_DATABASE_URL to this version's, then exits: "
                + "run it before rolling out a new version. (`serve` migrates too, as it starts.)",
                "Migrations are Flyway's, from the jar; applied ones are recorded in flyway_schema_history."})
final class MigrateCommand extends ConfiguredCommand {

    @Override
    int run(Config config) {
        if (config.embedsDatabase()) {
            System.err.println("EIE_DATABASE_URL is not set: there is no database to migrate but the embedded one, "
                    + "which `serve` migrates as it starts.");
            return INVALID;
        }
        try (Database database = Database.connect(config.database(), new SimpleMeterRegistry())) {
            System.out.println("The schema is at version " + database.schemaVersion() + ".");
            return 0;
        }
    }
}
