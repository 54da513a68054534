package io.eie.benchmark;

import io.eie.process.EngineProcess;
import io.eie.simulator.Connections;
import io.eie.simulator.Fleet;
import io.eie.simulator.LinkRegistrar;
import io.eie.simulator.Simulation;
import io.eie.units.Durations;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code packing}: a whole UTC day of history for the fleet (three days back, a reading a minute
 * from every device, posted to the engine), then what packing it does: bytes per reading before
 * and after, the MQTT maximum while the engine packs it in the background beside the same without,
 * how fast the background packs it at the nominal load, the time {@code eie compact} takes at full
 * speed, and one vehicle's report over the day before and after.
 */
final class PackingPhase {

    /** Closes the loaded day and nothing later: the maximum's readings (the last day) are never late. */
    private static final String AFTER = "48h";
    private static final Pattern PACKED_DAY =
            Pattern.compile("(?m)^(meter|vehicle) (\\d{4}-\\d{2}-\\d{2}): ([\\d,]+) devices, ([\\d,]+) bytes to ([\\d,]+) bytes in ([\\d.]+) s");

    private final Bench bench;

    PackingPhase(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        String db = bench.freshDatabase("packed");
        Instant day = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(3, ChronoUnit.DAYS);
        String suffix = "_p" + DateTimeFormatter.BASIC_ISO_DATE.format(LocalDate.ofInstant(day, ZoneOffset.UTC));
        int pairs = bench.settings.analyticsVehicles;
        Fleet fleet = Fleet.create(pairs, "V", "M", 0.05, day.toEpochMilli() - 120_000, 180_000, 17);
        String window = "?from=" + day + "&to=" + day.plus(1, ChronoUnit.DAYS);
        double baseline;
        String report = String.format(Locale.ROOT, "Analytics, a whole day of one vehicle (%,d readings a day per device)", 1_440);
        // an engine that packs nothing and sees no day as closed (as before a day closes): it loads
        // the day on the path fresh readings take, and is measured unpacked
        try (EngineProcess engine = bench.startEngine(db, bench.settings.mqtt, bench.prefix("packed"),
                "eie-bench-packed-" + bench.runId, Map.of("EIE_COMPACT_AFTER", "90d", "EIE_COMPACT_EVERY", "365d"))) {
            LinkRegistrar.register(engine.uri("/"), fleet, day.minus(1, ChronoUnit.MINUTES));
            bench.postDay(engine, db, fleet, day);
            sizes(db, suffix, "telemetry_history", "unpacked: a row per reading, with its primary key");
            bench.reports(engine, fleet, window, report + ", unpacked", "");
            EngineMetrics metrics = new EngineMetrics(() -> engine.get("/metrics"));
            long loaded = metrics.committed(); // the day's readings, committed before the measurement
            Bench.Measurement plain = bench.saturate(bench.prefix("packed"), "XV", "XM", db, engine,
                    () -> metrics.committed() - loaded);
            bench.results.add(maximumRow("MQTT, most sustained, beside a closed day not yet packed", plain, ""));
            baseline = plain.committedPerSecond();
        }
        // the same engine packing in the background as it would in production (EIE_COMPACT_SHARE at its default)
        try (EngineProcess engine = bench.startEngine(db, bench.settings.mqtt, bench.prefix("packed"),
                "eie-bench-packed-" + bench.runId, Map.of("EIE_COMPACT_AFTER", AFTER, "EIE_COMPACT_EVERY", "10s"))) {
            EngineMetrics metrics = new EngineMetrics(() -> engine.get("/metrics"));
            Bench.Measurement packing = bench.saturate(bench.prefix("packed"), "YV", "YM", db, engine,
                    metrics::committed);
            long packedDevices = count(db, "SELECT count(*) FROM meter_history_packed" + suffix);
            bench.results.add(maximumRow("MQTT, most sustained, while the engine packs the closed day in the background",
                    packing, String.format(Locale.ROOT, "%.0f %% of the same without packing; by the end %,d of %,d "
                                    + "meters' days packed (packing waits while the writers have a backlog); ",
                            100 * packing.committedPerSecond() / baseline, packedDevices, pairs)));
            nominalWhilePacking(engine, db, suffix, metrics);
        }
        // what is left of the day, at full speed
        String vehiclesPacked = "SELECT coalesce(sum(readings), 0) FROM vehicle_history_packed" + suffix;
        long vehiclesPackedBefore = count(db, vehiclesPacked);
        long began = System.nanoTime();
        String compact = bench.compact(db, AFTER);
        double seconds = (System.nanoTime() - began) / 1e9;
        List<String> days = new ArrayList<>();
        double vehicleSeconds = Double.NaN;
        Matcher packed = PACKED_DAY.matcher(compact);
        while (packed.find()) {
            days.add(String.format(Locale.ROOT, "%ss of %s: %s devices in %s s", packed.group(1), packed.group(2),
                    packed.group(3), packed.group(6)));
            if (packed.group(1).equals("vehicle") && packed.group(2).equals(LocalDate.ofInstant(day, ZoneOffset.UTC).toString())) {
                vehicleSeconds = Double.parseDouble(packed.group(6));
            }
        }
        System.out.println("  eie compact: " + String.join("; ", days));
        long readings = count(db, "SELECT (SELECT coalesce(sum(readings), 0) FROM meter_history_packed" + suffix + ") "
                + "+ (SELECT coalesce(sum(readings), 0) FROM vehicle_history_packed" + suffix + ")");
        long vehicleReadings = count(db, vehiclesPacked) - vehiclesPackedBefore;
        bench.results.add(new Report.Row("Packing at full speed: eie compact, what the background had not packed "
                + "(the rate is the vehicles')", vehicleReadings / vehicleSeconds, "readings/s", Double.NaN,
                Double.NaN, String.format(Locale.ROOT, "%s; %s in all, for a day of %,d readings",
                days.isEmpty() ? "nothing was left" : String.join("; ", days),
                Durations.format(Duration.ofSeconds((long) seconds)), readings), Double.NaN, 0));
        bench.vacuum(db);
        sizes(db, suffix, "history_packed", "packed: a row per device and day, TOAST included");
        try (EngineProcess engine = bench.startEngine(db, bench.settings.mqtt, bench.prefix("packed"),
                "eie-bench-packed-" + bench.runId, Map.of("EIE_COMPACT_AFTER", AFTER, "EIE_COMPACT_EVERY", "365d"))) {
            bench.reports(engine, fleet, window, report + ", packed", "");
        }
    }

    /**
     * The fleet at its nominal rate (a reading a minute from each of its devices, on 8 connections)
     * while the engine packs the closed day in the background: how fast packing goes when ingest
     * leaves it room, and what ingest sees meanwhile.
     */
    private void nominalWhilePacking(EngineProcess engine, String db, String suffix, EngineMetrics metrics) throws Exception {
        int pairs = bench.settings.analyticsVehicles;
        long drained;
        do { // what the maximum left queued, committed first
            drained = metrics.committed();
            Thread.sleep(2_000);
        } while (metrics.committed() > drained);
        long now = System.currentTimeMillis();
        Fleet fleet = Fleet.create(pairs, "ZV", "ZM", 0.05, now - 60_000, 180_000, 13);
        Connections connections = bench.connections(fleet, 8);
        connections.connect(8, Duration.ofMinutes(1));
        String prefix = bench.prefix("packed");
        Simulation simulation = new Simulation(fleet, connections, new Simulation.Settings(60_000, 1, now, Long.MAX_VALUE,
                false, 0, 0, 0, 0, prefix, 13));
        String packedReadings = "SELECT (SELECT coalesce(sum(readings), 0) FROM meter_history_packed" + suffix + ") "
                + "+ (SELECT coalesce(sum(readings), 0) FROM vehicle_history_packed" + suffix + ")";
        try (Bench.FleetThread fleetThread = new Bench.FleetThread(simulation, connections);
             Connection probeDb = bench.connect(db);
             Probes probes = new Probes(bench.settings.mqtt.getHost(), bench.settings.mqtt.getPort(), prefix, bench.runId,
                     probeDb)) {
            long packedBefore = count(db, packedReadings);
            long began = System.nanoTime();
            long committedBefore = metrics.committed();
            Bench.Measurement nominal = bench.measure(engine, probes, () -> metrics.committed() - committedBefore,
                    connections.published::sum);
            double seconds = (System.nanoTime() - began) / 1e9;
            double packedPerSecond = (count(db, packedReadings) - packedBefore) / seconds;
            bench.results.add(new Report.Row(String.format(Locale.ROOT, "MQTT, nominal load (%,d devices, a reading a "
                            + "minute each, on 8 connections) while the engine packs the closed day in the background",
                            2 * pairs), nominal.committedPerSecond(), "readings/s", nominal.p50(), nominal.p99(),
                    String.format(Locale.ROOT, "published %,.0f/s; backlog at the end %,d", nominal.publishedPerSecond(),
                            nominal.backlog()), nominal.engine().cores(), nominal.engine().peakResidentBytes()));
            bench.results.add(new Report.Row("Packing in the background at nominal load (EIE_COMPACT_SHARE at its default)",
                    packedPerSecond, "readings/s", Double.NaN, Double.NaN, String.format(Locale.ROOT,
                    "over %.0f s of the run above: a day of %,d readings in %s at this rate", seconds, 2L * pairs * 1_440,
                    Durations.format(Duration.ofSeconds((long) (2L * pairs * 1_440 / Math.max(packedPerSecond, 1e-9))))),
                    Double.NaN, 0));
        }
    }

    private static Report.Row maximumRow(String measurement, Bench.Measurement measured, String notes) {
        return new Report.Row(measurement + ": 4,000 devices on 8 connections, QoS 1, ack after commit",
                measured.committedPerSecond(), "readings/s", measured.p50(), measured.p99(),
                notes + String.format(Locale.ROOT, "backlog at the end %,d", measured.backlog()),
                measured.engine().cores(), measured.engine().peakResidentBytes());
    }

    /** Bytes on disk per reading of the day, meters and vehicles, in the partitions of {@code table}. */
    private void sizes(String db, String suffix, String table, String what) throws Exception {
        for (String kind : List.of("meter", "vehicle")) {
            String partition = kind + "_" + table + suffix;
            String readings = table.equals("history_packed") ? "SELECT coalesce(sum(readings), 0) FROM " + partition
                    : "SELECT count(*) FROM " + partition;
            long rows = count(db, readings);
            long bytes = count(db, "SELECT pg_total_relation_size('" + partition + "')");
            bench.results.add(new Report.Row(String.format(Locale.ROOT, "Disk, %s history of the day, %s", kind, what),
                    bytes / (double) Math.max(rows, 1), "bytes/reading", Double.NaN, Double.NaN,
                    String.format(Locale.ROOT, "%,d bytes for %,d readings (%s)", bytes, rows, partition), Double.NaN, 0));
        }
    }

    private long count(String db, String sql) throws Exception {
        try (Connection connection = bench.connect(db); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
