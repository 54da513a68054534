package io.eie.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import io.eie.physics.ChargingPair;
import io.eie.units.Durations;
import io.eie.simulator.Connections;
import io.eie.simulator.Fleet;
import io.eie.simulator.LinkRegistrar;
import io.eie.simulator.Simulation;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
                        + "comparison), the drain of an outage's backlog, HTTP ingest, and analytics on a day of "
                        + "history for a fleet. Prints a table and appends it to the report file.",
                "The engine runs from its jar, started here for each measurement."})
public final class BenchCommand implements Callable<Integer> {

    private static final Pattern POSTGRES_URL = Pattern.compile("^postgres(?:ql)?://(?:([^@/]*)@)?([^/?]*)(/[^?]*)?(?:\\?(.*))?$");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--engine-jar", defaultValue = "target/eie.jar", description = "the engine's jar")
    Path engineJar;

    @Option(names = "--engine-jvm-options", defaultValue = "", split = " ", description = "JVM options for the engine, such as -Xmx512m")
    List<String> engineJvmOptions;

    @Option(names = "--engine-env", description = "extra EIE_* settings for the engine, as NAME=value")
    Map<String, String> engineEnv = new HashMap<>();

    @Option(names = "--mqtt", defaultValue = "tcp://127.0.0.1:1883", description = "the broker the engine and the devices use")
    URI mqtt;

    @Option(names = "--database", defaultValue = "postgresql://postgres@127.0.0.1:5432/postgres",
            description = "a PostgreSQL database to connect to as a user who may create databases; each measurement gets a new one")
    String database;

    @Option(names = "--phases", defaultValue = "nominal,max,bare,backlog,http,analytics", split = ",",
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

    @Option(names = "--analytics-vehicles", defaultValue = "10000", description = "vehicle-meter pairs whose day of history the analytics are measured on")
    int analyticsVehicles;

    @Option(names = "--history", defaultValue = "24h", converter = Durations.Converter.class, description = "history backfilled for the analytics")
    Duration history;

    @Option(names = "--history-load", defaultValue = "mqtt",
            description = "how the analytics' history gets in: mqtt (the simulator backfills it through the broker and the "
                    + "engine, and the backfill is measured too) or copy (the same readings, written straight into the "
                    + "tables with COPY, rollups built by one query: for machines on which the backfill takes too long) "
                    + "(default: ${DEFAULT-VALUE})")
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

    private final String runId = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private final Report results = new Report();
    private final Set<String> databases = new LinkedHashSet<>();
    private Jdbc jdbc;

    /** Where PostgreSQL is, as JDBC wants it. */
    private record Jdbc(String serverUrl, String query, String user, String password, String adminDatabase) {

        String url(String database) {
            return serverUrl + "/" + database + (query == null ? "" : "?" + query);
        }

        Connection connect(String database) throws SQLException {
            return DriverManager.getConnection(url(database), user, password);
        }
    }

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(workDir);
        jdbc = parse(database);
        String started = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").format(Instant.now().atOffset(ZoneOffset.UTC));
        System.out.printf("Benchmark %s: phases %s, engine %s, broker %s%n", runId, phases, engineJar, mqtt);
        try {
            for (String phase : phases) {
                System.out.println("\n== " + phase);
                switch (phase.trim()) {
                    case "nominal" -> nominal();
                    case "max" -> maximum();
                    case "bare" -> bare();
                    case "backlog" -> backlog();
                    case "http" -> http();
                    case "analytics" -> analytics();
                    default -> throw new IllegalArgumentException("no phase " + phase);
                }
            }
        } finally {
            if (!keepDatabases) {
                dropDatabases();
            }
        }
        System.out.println("\n" + results.table());
        if (report != null) {
            results.appendTo(report, started + " on " + InetAddress.getLocalHost().getHostName(), describeRun());
            System.out.println("Appended to " + report);
        }
        return 0;
    }

    // --- MQTT at the nominal load ------------------------------------------------------------

    private void nominal() throws Exception {
        int devices = Math.min(nominalDevices, openFileBudget());
        if (devices < nominalDevices) {
            System.out.printf("  %,d devices, not %,d: this process may open %,d files, one per connection (ulimit -n)%n",
                    devices, nominalDevices, openFileLimit());
        }
        String db = freshDatabase("nominal");
        try (EngineProcess engine = startEngine(db, mqtt, prefix("nominal"), "eie-bench-nominal-" + runId)) {
            EngineMetrics metrics = new EngineMetrics(() -> engine.get("/metrics"));
            Fleet fleet = Fleet.create(devices / 2, "NV", "NM", 0.05, System.currentTimeMillis() - 60_000, 180_000, 7);
            Connections connections = connections(fleet, 0);
            long connecting = System.nanoTime();
            connections.connect(500, Duration.ofMinutes(5));
            System.out.printf("  %,d of %,d devices connected in %.1f s%n", connections.connected(), connections.count(),
                    (System.nanoTime() - connecting) / 1e9);
            Simulation simulation = new Simulation(fleet, connections, new Simulation.Settings(60_000, 1,
                    System.currentTimeMillis(), Long.MAX_VALUE, false, 0, 0, 0, 0, prefix("nominal"), 7));
            try (FleetThread fleetThread = new FleetThread(simulation, connections);
                 Connection probeDb = jdbc.connect(db);
                 Probes probes = new Probes(mqtt.getHost(), mqtt.getPort(), prefix("nominal"), runId, probeDb)) {
                Measurement measurement = measure(engine, probes, metrics::committed, connections.published::sum);
                ProcessWatch.Usage simulator = measurement.simulator;
                results.add(new Report.Row(String.format(Locale.ROOT,
                        "MQTT, nominal load: %,d devices on their own connections, a reading a minute each, QoS 1", devices),
                        measurement.committedPerSecond(), "readings/s", measurement.p50(), measurement.p99(),
                        String.format(Locale.ROOT, "published %,.0f/s; backlog at the end %,d; simulator %.2f cores, %,d MB",
                                measurement.publishedPerSecond(), measurement.backlog, simulator.cores(),
                                simulator.peakResidentBytes() / (1024 * 1024)),
                        measurement.engine.cores(), measurement.engine.peakResidentBytes()));
            }
        }
    }

    // --- MQTT at the most the machine sustains, and a bare consumer for comparison -----------

    private double engineMaximum = Double.NaN;

    private void maximum() throws Exception {
        String db = freshDatabase("max");
        try (EngineProcess engine = startEngine(db, mqtt, prefix("max"), "eie-bench-max-" + runId)) {
            EngineMetrics metrics = new EngineMetrics(() -> engine.get("/metrics"));
            Measurement measurement = saturate(prefix("max"), "XV", "XM", db, engine, metrics::committed);
            engineMaximum = measurement.committedPerSecond();
            results.add(new Report.Row("MQTT, most sustained: 4,000 devices on 8 connections, QoS 1, ack after commit",
                    measurement.committedPerSecond(), "readings/s", measurement.p50(), measurement.p99(),
                    String.format(Locale.ROOT, "devices kept at most %,d readings ahead; backlog at the end %,d",
                            maxLag, measurement.backlog),
                    measurement.engine.cores(), measurement.engine.peakResidentBytes()));
        }
    }

    private void bare() throws Exception {
        String db = freshDatabase("bare");
        // the engine lays out the schema, and the partitions of the days the load covers, for the
        // bare consumer to write to
        try (EngineProcess engine = startEngine(db, mqtt, prefix("unused"), "eie-bench-schema-" + runId)) {
            long now = System.currentTimeMillis();
            java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(engine.uri("/v1/ingest"))
                    .header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(("[" + new String(reading("schema", now - Duration.ofDays(1).toMillis()), StandardCharsets.UTF_8)
                            + "," + new String(reading("schema", now - 1_000), StandardCharsets.UTF_8) + "]").getBytes(StandardCharsets.UTF_8)))
                    .build(), java.net.http.HttpResponse.BodyHandlers.discarding());
            engine.stop();
        }
        try (Connection writerDb = jdbc.connect(db);
             BareConsumer consumer = new BareConsumer(mqtt.getHost(), mqtt.getPort(), prefix("bare"), "bench-bare-" + runId, writerDb)) {
            Measurement measurement = saturate(prefix("bare"), "BV", "BM", db, null, consumer::committed);
            String ratio = Double.isNaN(engineMaximum) ? "" : String.format(Locale.ROOT, "; the engine reached %.0f %%",
                    100 * engineMaximum / measurement.committedPerSecond());
            results.add(new Report.Row("MQTT, bare pass-through: same load, broker, rows and ack after commit, no engine",
                    measurement.committedPerSecond(), "readings/s", measurement.p50(), measurement.p99(),
                    String.format(Locale.ROOT, "a minimal consumer in the benchmark's process%s", ratio), Double.NaN, 0));
        }
    }

    /** Devices backfilling as fast as the consumer commits, never more than {@code maxLag} ahead. */
    private Measurement saturate(String prefix, String vehiclePrefix, String meterPrefix, String db, EngineProcess engine,
                                 LongSupplier committed) throws Exception {
        long now = System.currentTimeMillis();
        long start = now - Duration.ofDays(1).toMillis();
        Fleet fleet = Fleet.create(2_000, vehiclePrefix, meterPrefix, 0.05, start - 60_000, 180_000, 11);
        Connections connections = connections(fleet, 8);
        connections.connect(8, Duration.ofMinutes(1));
        AtomicLong seen = new AtomicLong();
        try (Poller poller = new Poller(() -> seen.set(committed.getAsLong()))) {
            Simulation simulation = new Simulation(fleet, connections, new Simulation.Settings(60_000, 1, start, now, true,
                    0, 0, 0, 0, prefix, 11), () -> {
                        while (connections.published.sum() - seen.get() > maxLag) {
                            Thread.sleep(1);
                        }
                    });
            try (FleetThread fleetThread = new FleetThread(simulation, connections);
                 Connection probeDb = jdbc.connect(db);
                 Probes probes = new Probes(mqtt.getHost(), mqtt.getPort(), prefix, runId, probeDb)) {
                return measure(engine, probes, committed, connections.published::sum);
            }
        }
    }

    // --- An outage's backlog ------------------------------------------------------------------

    private void backlog() throws Exception {
        String db = freshDatabase("backlog");
        Path brokerData = workDir.resolve("broker-" + runId);
        int port = EngineProcess.freePort();
        Map<String, String> brokerEnv = Map.of("EIE_DATA_DIR", brokerData.toString(), "EIE_EMBEDDED_MQTT_HOST", "127.0.0.1",
                "EIE_EMBEDDED_MQTT_PORT", Integer.toString(port));
        try (EngineProcess broker = EngineProcess.start(engineJar, List.of(), List.of("broker"), brokerEnv,
                workDir.resolve("backlog-broker.log"), Duration.ofMinutes(1))) {
            URI brokerUrl = URI.create("tcp://127.0.0.1:" + port);
            String clientId = "eie-bench-backlog-" + runId;
            // the engine subscribes once, then goes away: its session collects the backlog
            startEngine(db, brokerUrl, prefix("backlog"), clientId).stop();
            Fleet fleet = Fleet.create(backlogDevices / 2, "OV", "OM", 0.05, System.currentTimeMillis(), 180_000, 13);
            Connections connections = new Connections(new Connections.Settings(brokerUrl.getHost(), brokerUrl.getPort(), false,
                    null, null, 8, MqttQos.AT_LEAST_ONCE, 5_000), fleet, runId);
            connections.connect(8, Duration.ofMinutes(1));
            long end = System.currentTimeMillis();
            Simulation simulation = new Simulation(fleet, connections, new Simulation.Settings(60_000, 1,
                    end - backlogWindow.toMillis(), end, true, 0, 0, 0, 0, prefix("backlog"), 13));
            simulation.run(() -> false);
            connections.close(Duration.ofMinutes(2));
            long queued = connections.acknowledged.sum();
            System.out.printf("  %,d readings queued in the broker for the engine's session%n", queued);

            long launched = System.nanoTime();
            try (EngineProcess engine = startEngine(db, brokerUrl, prefix("backlog"), clientId);
                 ProcessWatch watch = new ProcessWatch(engine.pid())) {
                long ready = System.nanoTime();
                EngineMetrics metrics = new EngineMetrics(() -> engine.get("/metrics"));
                while (metrics.committed() < queued && System.nanoTime() - launched < Duration.ofMinutes(30).toNanos()) {
                    Thread.sleep(50);
                }
                long drained = System.nanoTime();
                long committed = metrics.committed();
                double seconds = (drained - launched) / 1e9;
                results.add(new Report.Row(String.format(Locale.ROOT,
                        "MQTT, backlog: %,d readings queued while the engine was down (%s of %,d devices)", queued,
                        Durations.format(backlogWindow), backlogDevices),
                        committed / seconds, "readings/s", Double.NaN, Double.NaN,
                        String.format(Locale.ROOT, "drained %,d in %.1f s from the engine's start (%.1f s after it was ready); broker: the engine's own, on its own",
                                committed, seconds, (drained - ready) / 1e9),
                        watch.usage().cores(), watch.usage().peakResidentBytes()));
            }
        }
    }

    // --- HTTP ---------------------------------------------------------------------------------

    private void http() throws Exception {
        String db = freshDatabase("http");
        try (EngineProcess engine = startEngine(db, mqtt, prefix("http"), "eie-bench-http-" + runId)) {
            long base = System.currentTimeMillis() - Duration.ofDays(2).toMillis();
            String host = "127.0.0.1:" + engine.httpPort();
            HttpLoad.Result single;
            try (ProcessWatch watch = watchAfterWarmup(engine)) {
                single = HttpLoad.run("127.0.0.1", engine.httpPort(), httpConnections, warmup, duration, 1,
                        (connection, n) -> HttpLoad.request("POST", "/v1/ingest", host, reading("HS" + connection, base + n)));
                usage(watch, single, String.format(Locale.ROOT, "HTTP, one reading per request, %d connections", httpConnections));
            }
            try (ProcessWatch watch = watchAfterWarmup(engine)) {
                HttpLoad.Result arrays = HttpLoad.run("127.0.0.1", engine.httpPort(), 8, warmup, duration, 1_000,
                        (connection, n) -> HttpLoad.request("POST", "/v1/ingest", host, array("HA" + connection, base + n * 1_000)));
                usage(watch, arrays, "HTTP, arrays of 1,000 readings, 8 connections");
            }
        }
    }

    private void usage(ProcessWatch watch, HttpLoad.Result result, String what) {
        ProcessWatch.Usage usage = watch.usage();
        results.add(new Report.Row(what, result.readingsPerSecond(), "readings/s", result.latencies().percentileMillis(50),
                result.latencies().percentileMillis(99), String.format(Locale.ROOT, "%,.0f requests/s; %,d failed",
                        result.requestsPerSecond(), result.errors()), usage.cores(), usage.peakResidentBytes()));
    }

    private static byte[] reading(String vehicleId, long millis) {
        return ("{\"vehicleId\":\"" + vehicleId + "\",\"soc\":50.5,\"kwhDeliveredDc\":0.1234,\"batteryTemp\":30.1,\"timestamp\":\""
                + Instant.ofEpochMilli(millis) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] array(String vehicleId, long firstMillis) {
        StringBuilder json = new StringBuilder(120_000).append('[');
        for (int i = 0; i < 1_000; i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append(new String(reading(vehicleId, firstMillis + i), StandardCharsets.UTF_8));
        }
        return json.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }

    // --- Analytics on a day of history --------------------------------------------------------

    private void analytics() throws Exception {
        String db = freshDatabase("day");
        try (EngineProcess engine = startEngine(db, mqtt, prefix("day"), "eie-bench-day-" + runId)) {
            EngineMetrics metrics = new EngineMetrics(() -> engine.get("/metrics"));
            long now = System.currentTimeMillis();
            long start = now - history.toMillis();
            Fleet fleet = Fleet.create(analyticsVehicles, "V", "M", 0.05, start - 60_000, 180_000, 17);
            int refused = LinkRegistrar.register(engine.uri("/"), fleet, Instant.ofEpochMilli(start));
            long expected;
            if (historyLoad.equals("copy")) {
                expected = copyHistory(db, fleet, start, now);
            } else {
                expected = backfill(engine, metrics, fleet, start, now, refused);
            }
            long vacuum = System.nanoTime();
            try (Connection connection = jdbc.connect(db); Statement statement = connection.createStatement()) {
                statement.execute("VACUUM (ANALYZE) meter_telemetry_history");
                statement.execute("VACUUM (ANALYZE) vehicle_telemetry_history");
            }
            System.out.printf("  VACUUM ANALYZE of the history (what autovacuum does to append-only tables): %.0f s%n",
                    (System.nanoTime() - vacuum) / 1e9);
            checkEfficiencies(engine, fleet, Instant.ofEpochMilli(start), Instant.ofEpochMilli(now), expected);
            Random random = new Random(17);
            String host = "127.0.0.1:" + engine.httpPort();
            for (int concurrency : new int[] {1, 8}) {
                try (ProcessWatch watch = watchAfterWarmup(engine)) {
                    HttpLoad.Result result = HttpLoad.run("127.0.0.1", engine.httpPort(), concurrency, Duration.ofSeconds(5),
                            Duration.ofSeconds(30), 1, (connection, n) -> HttpLoad.request("GET",
                                    "/v1/analytics/performance/" + fleet.pair(random.nextInt(fleet.size())).vehicleId, host, null));
                    ProcessWatch.Usage usage = watch.usage();
                    results.add(new Report.Row(String.format(Locale.ROOT,
                            "Analytics, 24 h of one vehicle out of %,d rows, concurrency %d", expected, concurrency),
                            result.requestsPerSecond(), "requests/s", result.latencies().percentileMillis(50),
                            result.latencies().percentileMillis(99), String.format(Locale.ROOT, "%,d failed", result.errors()),
                            usage.cores(), usage.peakResidentBytes()));
                }
            }
            fleetAnalytics(engine, db, fleet, Instant.ofEpochMilli(start), Instant.ofEpochMilli(now), expected);
        }
    }

    /** Plays the day through the broker and the engine as fast as they take it; returns the readings committed. */
    private long backfill(EngineProcess engine, EngineMetrics metrics, Fleet fleet, long start, long now, int refused)
            throws Exception {
        Connections connections = connections(fleet, 8);
        connections.connect(8, Duration.ofMinutes(1));
        AtomicLong seen = new AtomicLong();
        long expected;
        long began = System.nanoTime();
        try (Poller poller = new Poller(() -> seen.set(metrics.committed()));
             ProcessWatch watch = new ProcessWatch(engine.pid())) {
            Simulation simulation = new Simulation(fleet, connections, new Simulation.Settings(60_000, 1, start, now, true,
                    0, 0, 0, 0, prefix("day"), 17), () -> {
                        while (connections.published.sum() - seen.get() > maxLag) {
                            Thread.sleep(1);
                        }
                    });
            AtomicBoolean done = new AtomicBoolean();
            Thread progress = new Thread(() -> {
                while (!done.get()) {
                    sleep(30_000);
                    System.out.printf("  backfill: %,d published, %,d committed, simulated %s%n",
                            connections.published.sum(), seen.get(), Instant.ofEpochMilli(simulation.simulatedNow()));
                }
            }, "backfill-progress");
            progress.setDaemon(true);
            progress.start();
            simulation.run(() -> false);
            connections.close(Duration.ofMinutes(2));
            expected = connections.acknowledged.sum();
            while (metrics.committed() < expected) {
                Thread.sleep(100);
            }
            done.set(true);
            double seconds = (System.nanoTime() - began) / 1e9;
            results.add(new Report.Row(String.format(Locale.ROOT,
                    "MQTT, backfill: a day of history for %,d vehicle-meter pairs over 8 connections", analyticsVehicles),
                    expected / seconds, "readings/s", Double.NaN, Double.NaN,
                    String.format(Locale.ROOT, "%,d readings in %s; %d links refused", expected,
                            Durations.format(Duration.ofSeconds((long) seconds)), refused),
                    watch.usage().cores(), watch.usage().peakResidentBytes()));
        }
        return expected;
    }

    /**
     * Writes the day the MQTT backfill would play (the same physics, a reading a minute from every
     * device, in time order as they would arrive) straight into history with COPY, then the
     * hourly rollups and the live rows from it by one query each; returns the readings written.
     */
    private long copyHistory(String db, Fleet fleet, long start, long now) throws Exception {
        long began = System.nanoTime();
        long rows = 0;
        try (Connection connection = jdbc.connect(db); Statement statement = connection.createStatement()) {
            for (Instant day = Instant.ofEpochMilli(start).truncatedTo(ChronoUnit.DAYS); day.toEpochMilli() <= now;
                 day = day.plus(1, ChronoUnit.DAYS)) {
                String suffix = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC).format(day);
                for (String table : List.of("meter_telemetry_history", "vehicle_telemetry_history", "meter_hourly",
                        "vehicle_hourly")) {
                    statement.execute("CREATE TABLE IF NOT EXISTS " + table + "_p" + suffix + " PARTITION OF " + table
                            + " FOR VALUES FROM ('" + day + "') TO ('" + day.plus(1, ChronoUnit.DAYS) + "')");
                }
            }
            org.postgresql.copy.CopyManager copy = connection.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
            String received = Instant.ofEpochMilli(now).toString();
            StringBuilder vehicles = new StringBuilder(1 << 20);
            StringBuilder meters = new StringBuilder(1 << 20);
            for (long at = start + 60_000; at <= now; at += 60_000) {
                String ts = Instant.ofEpochMilli(at).toString();
                for (ChargingPair pair : fleet.pairs()) {
                    vehicles.append(pair.vehicleId).append('\t').append(ts).append('\t');
                    io.eie.simulator.Payloads.fixed(vehicles, pair.soc(at), 2).append('\t');
                    io.eie.simulator.Payloads.fixed(vehicles, pair.dcKwh(at - 60_000, at), 4).append('\t');
                    io.eie.simulator.Payloads.fixed(vehicles, pair.batteryTemp(at), 1).append('\t').append(received).append('\n');
                    meters.append(pair.meterId).append('\t').append(ts).append('\t');
                    io.eie.simulator.Payloads.fixed(meters, pair.acKwh(at - 60_000, at), 4).append('\t');
                    io.eie.simulator.Payloads.fixed(meters, pair.voltage(at), 1).append('\t').append(received).append('\n');
                    rows += 2;
                }
                if (vehicles.length() > 8 << 20) {
                    flushCopy(copy, "vehicle_telemetry_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at)", vehicles);
                    flushCopy(copy, "meter_telemetry_history (meter_id, ts, kwh_consumed_ac, voltage, received_at)", meters);
                }
            }
            flushCopy(copy, "vehicle_telemetry_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at)", vehicles);
            flushCopy(copy, "meter_telemetry_history (meter_id, ts, kwh_consumed_ac, voltage, received_at)", meters);
            double copySeconds = (System.nanoTime() - began) / 1e9;
            long rollupsBegan = System.nanoTime();
            statement.execute("""
                    INSERT INTO meter_hourly (meter_id, hour, readings, kwh, resets, voltage_sum, minutes)
                    SELECT meter_id, date_trunc('hour', ts, 'UTC'), count(*), sum(kwh_consumed_ac), 0, sum(voltage),
                           bit_or(1::bigint << extract(minute FROM ts AT TIME ZONE 'UTC')::integer)
                    FROM meter_telemetry_history GROUP BY 1, 2""");
            statement.execute("""
                    INSERT INTO vehicle_hourly (vehicle_id, hour, readings, kwh, resets, battery_temp_sum, battery_temp_max,
                                                last_ts, last_soc, minutes)
                    SELECT vehicle_id, date_trunc('hour', ts, 'UTC'), count(*), sum(kwh_delivered_dc), 0, sum(battery_temp),
                           max(battery_temp), max(ts), (array_agg(soc ORDER BY ts DESC))[1],
                           bit_or(1::bigint << extract(minute FROM ts AT TIME ZONE 'UTC')::integer)
                    FROM vehicle_telemetry_history GROUP BY 1, 2""");
            statement.execute("""
                    INSERT INTO vehicle_live_status (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at)
                    SELECT DISTINCT ON (vehicle_id) vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at
                    FROM vehicle_telemetry_history ORDER BY vehicle_id, ts DESC""");
            statement.execute("""
                    INSERT INTO meter_live_status (meter_id, ts, kwh_consumed_ac, voltage, received_at)
                    SELECT DISTINCT ON (meter_id) meter_id, ts, kwh_consumed_ac, voltage, received_at
                    FROM meter_telemetry_history ORDER BY meter_id, ts DESC""");
            System.out.printf("  hourly rollups and live rows built from history in %.0f s%n",
                    (System.nanoTime() - rollupsBegan) / 1e9);
            results.add(new Report.Row(String.format(Locale.ROOT,
                    "History: a day for %,d vehicle-meter pairs, written with COPY (no engine)", fleet.size()),
                    rows / copySeconds, "readings/s", Double.NaN, Double.NaN, String.format(Locale.ROOT,
                    "%,d readings in %s; rollups and live rows then built by one query each", rows,
                    Durations.format(Duration.ofSeconds((long) copySeconds))), Double.NaN, 0));
        }
        return rows;
    }

    private static void flushCopy(org.postgresql.copy.CopyManager copy, String target, StringBuilder rows)
            throws SQLException, IOException {
        copy.copyIn("COPY " + target + " FROM STDIN", new java.io.StringReader(rows.toString()));
        rows.setLength(0);
    }

    /**
     * What the hourly rollups are for: the whole fleet's efficiency over the backfilled day, by
     * the engine and (for comparison) by one query over raw history; and a 31-day series of one
     * vehicle, with 30 more days of rollups for every pair written straight into the rollup
     * tables first (history holds the one backfilled day; a series reads only rollups).
     */
    private void fleetAnalytics(EngineProcess engine, String db, Fleet fleet, Instant start, Instant now, long rows)
            throws Exception {
        String host = "127.0.0.1:" + engine.httpPort();
        String window = "from=" + start + "&to=" + now;
        long rollups;
        try (Connection connection = jdbc.connect(db); Statement statement = connection.createStatement()) {
            statement.execute("VACUUM (ANALYZE) meter_hourly");
            statement.execute("VACUUM (ANALYZE) vehicle_hourly");
            rollups = count(statement, "SELECT count(*) FROM vehicle_hourly") + count(statement, "SELECT count(*) FROM meter_hourly");
        }
        try (ProcessWatch watch = watchAfterWarmup(engine)) {
            HttpLoad.Result result = HttpLoad.run("127.0.0.1", engine.httpPort(), 1, Duration.ofSeconds(5),
                    Duration.ofSeconds(30), 1, (connection, n) -> HttpLoad.request("GET",
                            "/v1/analytics/fleet/efficiency?" + window + "&limit=100", host, null));
            ProcessWatch.Usage usage = watch.usage();
            results.add(new Report.Row(String.format(Locale.ROOT,
                    "Fleet efficiency, worst 100 of %,d vehicles over the backfilled day, from hourly rollups", fleet.size()),
                    result.requestsPerSecond(), "requests/s", result.latencies().percentileMillis(50),
                    result.latencies().percentileMillis(99), String.format(Locale.ROOT,
                    "%,d rollup rows (meters and vehicles) in place of %,d readings; %,d failed", rollups, rows, result.errors()),
                    usage.cores(), usage.peakResidentBytes()));
        }
        Latencies raw = new Latencies();
        long rawNanos = 0;
        try (Connection connection = jdbc.connect(db);
             java.sql.PreparedStatement query = connection.prepareStatement(FLEET_FROM_HISTORY)) {
            try (Statement settings = connection.createStatement()) {
                settings.execute("SET jit = off"); // as the engine runs its fleet query
            }
            for (int i = 0; i < 3; i++) {
                query.setObject(1, java.time.OffsetDateTime.ofInstant(start, ZoneOffset.UTC));
                query.setObject(2, java.time.OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                long began = System.nanoTime();
                try (ResultSet result = query.executeQuery()) {
                    while (result.next()) {
                        // read every row, as the engine would
                    }
                }
                raw.add(System.nanoTime() - began);
                rawNanos += System.nanoTime() - began;
            }
        }
        results.add(new Report.Row(String.format(Locale.ROOT,
                "For comparison: the same question (AC, DC and efficiency, worst 100) by one query over the %,d readings", rows),
                3 / (rawNanos / 1e9), "queries/s", raw.percentileMillis(50), raw.percentileMillis(99),
                "3 runs straight after each other in the database (JIT off, as for the engine's query), no engine; "
                        + "less than the engine answers (no flags, no coverage)",
                Double.NaN, 0));

        long written = writeMonthOfRollups(db, fleet, start);
        Random random = new Random(31);
        Instant monthStart = start.truncatedTo(ChronoUnit.HOURS).minus(30, ChronoUnit.DAYS);
        for (int concurrency : new int[] {1, 8}) {
            try (ProcessWatch watch = watchAfterWarmup(engine)) {
                HttpLoad.Result result = HttpLoad.run("127.0.0.1", engine.httpPort(), concurrency, Duration.ofSeconds(5),
                        Duration.ofSeconds(30), 1, (connection, n) -> HttpLoad.request("GET",
                                "/v1/analytics/performance/" + fleet.pair(random.nextInt(fleet.size())).vehicleId
                                        + "/series?from=" + monthStart + "&to=" + monthStart.plus(31, ChronoUnit.DAYS), host, null));
                ProcessWatch.Usage usage = watch.usage();
                results.add(new Report.Row(String.format(Locale.ROOT,
                        "Series, 31 days of one vehicle by the hour (744 points), concurrency %d", concurrency),
                        result.requestsPerSecond(), "requests/s", result.latencies().percentileMillis(50),
                        result.latencies().percentileMillis(99), String.format(Locale.ROOT,
                        "rollups of 31 days for %,d pairs (%,d rows written for the 30 days before the backfilled one); %,d failed",
                        fleet.size(), written, result.errors()), usage.cores(), usage.peakResidentBytes()));
            }
        }
    }

    /**
     * The fleet question over raw history: each vehicle's DC, and its linked meters' AC over the
     * spans their links cover, worst efficiency first.
     */
    private static final String FLEET_FROM_HISTORY = """
            WITH window_ AS (SELECT CAST(? AS timestamptz) AS from_, CAST(? AS timestamptz) AS to_),
            vehicle AS (
                SELECT vehicle_id, sum(kwh_delivered_dc) AS dc, count(*) AS readings, avg(battery_temp) AS temp
                FROM vehicle_telemetry_history, window_ WHERE ts >= from_ AND ts < to_ GROUP BY vehicle_id
            ), meter AS (
                SELECT link.vehicle_id, sum(history.kwh_consumed_ac) AS ac, count(*) AS readings
                FROM vehicle_meter_link link, window_
                JOIN meter_telemetry_history history ON true
                WHERE history.meter_id = link.meter_id AND history.ts >= greatest(link.valid_from, from_)
                  AND history.ts < least(coalesce(link.valid_to, 'infinity'), to_)
                GROUP BY link.vehicle_id
            )
            SELECT vehicle.vehicle_id, meter.ac, vehicle.dc, vehicle.dc / nullif(meter.ac, 0) AS efficiency, vehicle.temp
            FROM vehicle LEFT JOIN meter USING (vehicle_id)
            ORDER BY efficiency NULLS LAST, vehicle.vehicle_id
            LIMIT 100
            """;

    /** Writes 30 days of hourly rollups before {@code start} for every pair, as a month of reporting would leave them. */
    private long writeMonthOfRollups(String db, Fleet fleet, Instant start) throws SQLException {
        Instant first = start.truncatedTo(ChronoUnit.DAYS).minus(30, ChronoUnit.DAYS);
        String[] vehicles = new String[fleet.size()];
        String[] meters = new String[fleet.size()];
        for (int i = 0; i < fleet.size(); i++) {
            vehicles[i] = fleet.pair(i).vehicleId;
            meters[i] = fleet.pair(i).meterId;
        }
        long began = System.nanoTime();
        long written = 0;
        try (Connection connection = jdbc.connect(db); Statement statement = connection.createStatement()) {
            for (Instant day = first; day.isBefore(start.truncatedTo(ChronoUnit.DAYS)); day = day.plus(1, ChronoUnit.DAYS)) {
                String suffix = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC).format(day);
                for (String table : List.of("meter_hourly", "vehicle_hourly")) {
                    statement.execute("CREATE TABLE IF NOT EXISTS " + table + "_p" + suffix + " PARTITION OF " + table
                            + " FOR VALUES FROM ('" + day + "') TO ('" + day.plus(1, ChronoUnit.DAYS) + "')");
                }
            }
            String hours = "generate_series(CAST(? AS timestamptz), CAST(? AS timestamptz) - interval '1 hour', interval '1 hour')";
            try (var vehicleRows = connection.prepareStatement("""
                    INSERT INTO vehicle_hourly (vehicle_id, hour, readings, kwh, resets, battery_temp_sum, battery_temp_max,
                                                last_ts, last_soc, minutes)
                    SELECT id, hour, 60, 2.5, 0, 1860, 33, hour + interval '59 minutes', 50, 1152921504606846975
                    FROM unnest(CAST(? AS text[])) AS id, %s AS hour ON CONFLICT DO NOTHING""".formatted(hours));
                 var meterRows = connection.prepareStatement("""
                    INSERT INTO meter_hourly (meter_id, hour, readings, kwh, resets, voltage_sum, minutes)
                    SELECT id, hour, 60, 2.8, 0, 13800, 1152921504606846975
                    FROM unnest(CAST(? AS text[])) AS id, %s AS hour ON CONFLICT DO NOTHING""".formatted(hours))) {
                for (var rows : List.of(vehicleRows, meterRows)) {
                    rows.setArray(1, connection.createArrayOf("text", rows == vehicleRows ? vehicles : meters));
                    rows.setObject(2, java.time.OffsetDateTime.ofInstant(first, ZoneOffset.UTC));
                    rows.setObject(3, java.time.OffsetDateTime.ofInstant(start.truncatedTo(ChronoUnit.DAYS), ZoneOffset.UTC));
                    written += rows.executeUpdate();
                }
            }
            statement.execute("VACUUM (ANALYZE) meter_hourly");
            statement.execute("VACUUM (ANALYZE) vehicle_hourly");
        }
        System.out.printf("  wrote %,d rollup rows for the 30 days before the backfilled one in %.0f s%n", written,
                (System.nanoTime() - began) / 1e9);
        return written;
    }

    private static long count(Statement statement, String sql) throws SQLException {
        try (ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }

    private void checkEfficiencies(EngineProcess engine, Fleet fleet, Instant from, Instant to, long rows) throws IOException {
        double worst = 0;
        int faultyFlagged = 0;
        int faulty = 0;
        int healthyFlagged = 0;
        int checked = 0;
        for (int i = 0; i < fleet.size(); i += Math.max(1, fleet.size() / 200)) {
            ChargingPair pair = fleet.pair(i);
            JsonNode report = JSON.readTree(engine.get("/v1/analytics/performance/" + pair.vehicleId + "?from=" + from + "&to=" + to));
            JsonNode ratio = report.path("metrics").path("efficiencyRatio");
            if (ratio.isNull() || ratio.isMissingNode()) {
                continue;
            }
            checked++;
            worst = Math.max(worst, Math.abs(ratio.asDouble() - pair.efficiency));
            boolean alert = report.path("efficiencyAlert").asBoolean();
            if (pair.faulty) {
                faulty++;
                faultyFlagged += alert ? 1 : 0;
            } else {
                healthyFlagged += alert ? 1 : 0;
            }
        }
        results.check(String.format(Locale.ROOT,
                "Analytics on the backfilled day (%,d rows): for %d vehicles checked, the efficiency differs from the simulated "
                        + "charger's by at most %.4f; %d of %d faulty chargers raise the alert, %d healthy ones do",
                rows, checked, worst, faultyFlagged, faulty, healthyFlagged));
    }

    // --- Measuring ----------------------------------------------------------------------------

    /** What one measurement window saw. */
    private record Measurement(long committed, long published, double seconds, Latencies latencies, long backlog,
                               ProcessWatch.Usage engine, ProcessWatch.Usage simulator) {

        double committedPerSecond() {
            return committed / seconds;
        }

        double publishedPerSecond() {
            return published / seconds;
        }

        double p50() {
            return latencies.percentileMillis(50);
        }

        double p99() {
            return latencies.percentileMillis(99);
        }
    }

    /** Warms up, then counts commits and publishes, times probes and watches the processes for the duration. */
    private Measurement measure(EngineProcess engine, Probes probes, LongSupplier committed, LongSupplier published)
            throws InterruptedException {
        Thread.sleep(warmup.toMillis());
        probes.record();
        long committedBefore = committed.getAsLong();
        long publishedBefore = published.getAsLong();
        long from = System.nanoTime();
        ProcessWatch engineWatch = engine == null ? null : new ProcessWatch(engine.pid());
        ProcessWatch simulatorWatch = new ProcessWatch(ProcessHandle.current().pid());
        try {
            Thread.sleep(duration.toMillis());
            long committedAfter = committed.getAsLong();
            long publishedAfter = published.getAsLong();
            double seconds = (System.nanoTime() - from) / 1e9;
            return new Measurement(committedAfter - committedBefore, publishedAfter - publishedBefore, seconds,
                    probes.latencies(), publishedAfter + probes.published() - committedAfter,
                    engineWatch == null ? new ProcessWatch.Usage(Double.NaN, 0) : engineWatch.usage(), simulatorWatch.usage());
        } finally {
            if (engineWatch != null) {
                engineWatch.close();
            }
            simulatorWatch.close();
        }
    }

    /** Watches the engine through a load and its warm-up (a small share next to a minute of load). */
    private static ProcessWatch watchAfterWarmup(EngineProcess engine) {
        return new ProcessWatch(engine.pid());
    }

    /** Runs a simulation on its own thread; closing stops it and its connections. */
    private static final class FleetThread implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;
        private final Connections connections;

        FleetThread(Simulation simulation, Connections connections) {
            this.connections = connections;
            this.thread = new Thread(() -> {
                try {
                    simulation.run(stop::get);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "fleet");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(30_000);
            connections.close(Duration.ofSeconds(30));
        }
    }

    /** Runs a task every 100 ms until closed. */
    private static final class Poller implements AutoCloseable {
        private final Thread thread;
        private volatile boolean running = true;

        Poller(Runnable task) {
            this.thread = new Thread(() -> {
                while (running) {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        System.err.println("  poll failed: " + e.getMessage());
                    }
                    sleep(100);
                }
            }, "poller");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() {
            running = false;
        }
    }

    // --- Set-up -------------------------------------------------------------------------------

    /** Topics of this run only, so that sessions left by earlier runs on the same broker collect nothing of it. */
    private String prefix(String phase) {
        return "bench-" + runId + "/" + phase + "/";
    }

    private EngineProcess startEngine(String db, URI broker, String topicPrefix, String clientId) {
        Map<String, String> env = new HashMap<>();
        env.put("EIE_DATABASE_URL", jdbc.url(db));
        if (jdbc.user() != null) {
            env.put("EIE_DATABASE_USER", jdbc.user());
        }
        if (jdbc.password() != null) {
            env.put("EIE_DATABASE_PASSWORD", jdbc.password());
        }
        env.put("EIE_MQTT_URL", broker.toString());
        env.put("EIE_MQTT_CLIENT_ID", clientId);
        env.put("EIE_MQTT_TOPIC_PREFIX", topicPrefix);
        env.put("EIE_HTTP_HOST", "127.0.0.1");
        // a session outliving the run would go on collecting what later runs publish
        env.put("EIE_MQTT_SESSION_EXPIRY", "10m");
        env.putAll(engineEnv);
        return EngineProcess.start(engineJar, engineJvmOptions.stream().filter(option -> !option.isBlank()).toList(), List.of(),
                env, workDir.resolve("engine-" + db + ".log"), Duration.ofMinutes(2));
    }

    private Connections connections(Fleet fleet, int count) {
        return new Connections(new Connections.Settings(mqtt.getHost(), mqtt.getPort(), false, null, null, count,
                MqttQos.AT_LEAST_ONCE, 5_000), fleet, runId);
    }

    private String freshDatabase(String name) throws SQLException {
        String db = "eie_bench_" + name;
        try (Connection admin = jdbc.connect(jdbc.adminDatabase()); Statement statement = admin.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
            statement.execute("CREATE DATABASE " + db);
        }
        databases.add(db);
        return db;
    }

    private void dropDatabases() {
        try (Connection admin = jdbc.connect(jdbc.adminDatabase()); Statement statement = admin.createStatement()) {
            for (String db : databases) {
                statement.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
            }
        } catch (SQLException e) {
            System.out.println("  could not drop the measurements' databases " + databases + ": " + e.getMessage());
        }
    }

    private static Jdbc parse(String url) {
        if (url.startsWith("jdbc:postgresql://")) {
            Matcher matcher = Pattern.compile("^(jdbc:postgresql://[^/?]*)(/[^?]*)?(?:\\?(.*))?$").matcher(url);
            if (!matcher.matches()) {
                throw new IllegalArgumentException("not a PostgreSQL URL: " + url);
            }
            return new Jdbc(matcher.group(1), matcher.group(3), null, null, database(matcher.group(2)));
        }
        Matcher matcher = POSTGRES_URL.matcher(url);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a PostgreSQL URL: " + url);
        }
        String user = null;
        String password = null;
        if (matcher.group(1) != null) {
            String[] parts = matcher.group(1).split(":", 2);
            user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
            password = parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : null;
        }
        return new Jdbc("jdbc:postgresql://" + matcher.group(2), matcher.group(4), user, password, database(matcher.group(3)));
    }

    private static String database(String path) {
        return path == null || path.length() <= 1 ? "postgres" : path.substring(1);
    }

    // --- The machine ---------------------------------------------------------------------------

    private String describeRun() throws SQLException, IOException {
        String postgres;
        try (Connection connection = jdbc.connect(jdbc.adminDatabase()); Statement statement = connection.createStatement();
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

    private static int openFileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    return Integer.parseInt(line.split("\\s+")[3]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no known limit
        }
        return Integer.MAX_VALUE;
    }

    /** Connections this process can open, leaving room for the files it needs anyway. */
    private static int openFileBudget() {
        return openFileLimit() - 1_000;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
