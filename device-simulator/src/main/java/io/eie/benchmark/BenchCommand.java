package io.eie.benchmark;

import io.eie.units.Durations;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code device-simulator bench}: measures the engine end to end, from devices publishing to
 * rows committed in PostgreSQL, and prints (and appends to BENCHMARKS.md) what it measured. It
 * starts the engine from its jar for each measurement, on a database of its own, so that it can
 * also take the engine down for the backlog measurement.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = {
                "Measures the engine end to end against an MQTT broker and PostgreSQL: MQTT ingest at the nominal "
                        + "load and at the most the machine sustains (with a bare pass-through consumer for "
                        + "comparison), the drain of an outage's backlog, HTTP ingest, analytics on a day of "
                        + "history for a fleet, and what packing a closed day saves and costs. Prints a table and "
                        + "appends it to the report file.",
                "The engine runs from its jar, started here for each measurement."})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--engine-jar", defaultValue = "target/eie.jar", description = "the engine's jar")
    Path engineJar;

    @Option(names = "--engine-jvm-options", defaultValue = "", split = " ", description = "JVM options for the engine, such as -Xmx512m")
    List<String> engineJvmOptions;

    @Option(names = "--engine-env", description = "extra EIE_* settings for the engine, as NAME=value")
    Map<String, String> engineEnv = new HashMap<>();

    @Option(names = "--mqtt", defaultValue = "tcp://127.0.0.1:1883", description = "the broker the engine and the devices use")
    URI mqtt;

    @Option(names = "--database", defaultValue = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres",
            description = "a JDBC URL of a PostgreSQL database, as a user who may create databases; each measurement gets a "
                    + "new one on that server, which the engine reaches by the same URL with only the database's name changed")
    String database;

    @Option(names = "--phases", defaultValue = "nominal,max,bare,backlog,http,analytics,packing,export", split = ",",
            description = "which measurements to run")
    List<String> phases;

    @Option(names = "--warmup", defaultValue = "15s", converter = Durations.Converter.class, description = "load before measuring")
    Duration warmup;

    @Option(names = "--duration", defaultValue = "60s", converter = Durations.Converter.class, description = "how long each measurement runs")
    Duration duration;

    @Option(names = "--nominal-devices", defaultValue = "20000", description = "devices on their own connections at the nominal load (capped by the open-file limit)")
    int nominalDevices;

    @Option(names = "--max-lag", defaultValue = "30000", description = "the most readings the devices run ahead of the commits in the throughput measurements")
    long maxLag;

    @Option(names = "--backlog-devices", defaultValue = "20000", description = "devices whose readings queue while the engine is down")
    int backlogDevices;

    @Option(names = "--backlog-window", defaultValue = "1h", converter = Durations.Converter.class, description = "how long the engine is down")
    Duration backlogWindow;

    @Option(names = "--analytics-vehicles", defaultValue = "10000", description = "vehicle-meter pairs whose day of history the analytics and the packing are measured on")
    int analyticsVehicles;

    @Option(names = "--history", defaultValue = "24h", converter = Durations.Converter.class, description = "history backfilled for the analytics")
    Duration history;

    @Option(names = "--history-load", defaultValue = "mqtt",
            description = "how the analytics' history gets in: mqtt (the simulator backfills it through the broker and the "
                    + "engine, and the backfill is measured too) or http (the same readings posted to the engine in arrays "
                    + "of 1,000: for machines on which the backfill takes too long) (default: ${DEFAULT-VALUE})")
    String historyLoad;

    @Option(names = "--http-connections", defaultValue = "64", description = "connections sending single readings")
    int httpConnections;

    @Option(names = "--report", description = "append the results to this file (BENCHMARKS.md)")
    Path report;

    @Option(names = "--broker-version", defaultValue = "", description = "the broker's version, for the report")
    String brokerVersion;

    @Option(names = "--command", description = "how the benchmark was started, for the report; default: this process's command line")
    String command;

    @Option(names = "--work-dir", defaultValue = "target/bench", description = "where logs and the broker's data go")
    Path workDir;

    @Option(names = "--keep-databases", description = "keep each measurement's database (eie_bench_*) afterwards, to look into")
    boolean keepDatabases;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(workDir);
        Bench bench = new Bench(this);
        String started = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").format(Instant.now().atOffset(ZoneOffset.UTC));
        System.out.printf("Benchmark %s: phases %s, engine %s, broker %s%n", bench.runId, phases, engineJar, mqtt);
        try {
            for (String phase : phases) {
                System.out.println("\n== " + phase);
                switch (phase.trim()) {
                    case "nominal" -> new NominalPhase(bench).run();
                    case "max" -> new MaximumPhase(bench).run();
                    case "bare" -> new BarePhase(bench).run();
                    case "backlog" -> new BacklogPhase(bench).run();
                    case "http" -> new HttpPhase(bench).run();
                    case "analytics" -> new AnalyticsPhase(bench).run();
                    case "packing" -> new PackingPhase(bench).run();
                    case "export" -> new ExportPhase(bench).run();
                    default -> throw new IllegalArgumentException("no phase " + phase);
                }
            }
        } finally {
            if (!keepDatabases) {
                bench.dropDatabases();
            }
        }
        System.out.println("\n" + bench.results.table());
        if (report != null) {
            bench.results.appendTo(report, started + " on " + InetAddress.getLocalHost().getHostName(), describeRun(bench));
            System.out.println("Appended to " + report);
        }
        return 0;
    }

    // --- The machine ---------------------------------------------------------------------------

    private String describeRun(Bench bench) throws SQLException, IOException {
        String postgres;
        try (Connection connection = bench.connectAdmin(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT version()")) {
            rows.next();
            postgres = rows.getString(1).replaceAll(" on .*", "");
        }
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(line -> line.startsWith("model name"))
                .findFirst().map(line -> line.substring(line.indexOf(':') + 2)).orElse("unknown CPU");
        long memory = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(line -> line.startsWith("MemTotal"))
                .findFirst().map(line -> Long.parseLong(line.replaceAll("\\D+", ""))).orElse(0L);
        return String.format(Locale.ROOT, "Command: `%s`%n%nMachine: %d cores (%s), %.1f GiB, %s %s; Java %s; %s; broker: %s; "
                        + "engine, broker, PostgreSQL and load generator on the same machine.",
                command != null ? command.trim() : ProcessHandle.current().info().commandLine().orElse("device-simulator bench"),
                Runtime.getRuntime().availableProcessors(), cpu, memory / 1024.0 / 1024.0, System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("java.version"), postgres,
                brokerVersion.isBlank() ? mqtt.toString() : brokerVersion);
    }
}
