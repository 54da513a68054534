package io.eie.cli;

import io.eie.config.Config;
import io.eie.storage.Compactor;
import io.eie.storage.Database;
import io.eie.storage.Partitions;
import io.eie.units.Durations;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "compact", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = {"Packs every closed day of history in the database in EIE_DATABASE_URL now, at full speed, "
                + "then exits: for a database that has history from before packing, or to pack at once what the "
                + "engine would pack in the background.",
                "A day is closed once its end is EIE_COMPACT_AFTER past (or --after). Engines may go on writing "
                        + "meanwhile; --after shorter than theirs is for a database no engine writes to, since "
                        + "an engine checks a reading against the packed days only for the days it sees as closed."})
final class CompactCommand extends ConfiguredCommand {

    @Option(names = "--after", converter = Durations.Converter.class, paramLabel = "<duration>",
            description = "pack the days whose end is at least this long past (default: EIE_COMPACT_AFTER)")
    private Duration after;

    @Override
    int run(Config config) throws InterruptedException {
        if (config.embedsDatabase()) {
            System.err.println("EIE_DATABASE_URL is not set: the embedded database is packed by `serve`, in the "
                    + "background, as days close.");
            return INVALID;
        }
        Duration closedAfter = after != null ? after : config.storage().packing().after();
        try (Database database = Database.connect(config.database(), new SimpleMeterRegistry())) {
            Compactor compactor = new Compactor(database.jdbi(), new Partitions(database.jdbi()),
                    config.storage().packing(), () -> false, new SimpleMeterRegistry());
            var closedBefore = config.storage().packing().withAfter(closedAfter).closedBefore(Clock.systemUTC().instant());
            List<Compactor.PackedDay> days = compactor.packDaysBefore(closedBefore, 1.0);
            for (Compactor.PackedDay day : days) {
                System.out.printf("%s %s: %,d devices, %,d bytes to %,d bytes in %.1f s%s%n", day.kind().typeName(), day.day(),
                        day.devices(), day.bytesBefore(), day.bytesAfter(), day.took().toMillis() / 1000.0,
                        day.freed() ? "" : " (its history partition is emptied at the next run)");
            }
            System.out.println(days.isEmpty() ? "No closed day has readings left to pack."
                    : "Packed " + days.size() + " day(s) of history before " + closedBefore + ".");
            return 0;
        }
    }
}
