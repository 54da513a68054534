package io.eie.benchmark;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import io.eie.process.EngineProcess;
import io.eie.simulator.Connections;
import io.eie.simulator.Fleet;
import io.eie.simulator.Simulation;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of the benchmark: its settings, its results, and what every phase needs: a database
 * of its own, the engine started from its jar on it, device connections, and a measurement
 * window. The engine makes its schema, partitions and rollups itself, as in production; the
 * benchmark only creates and drops the empty databases it runs on.
 */
final class Bench {

    /** {@code jdbc:postgresql://hosts[/database][?parameters]}: the database name is all the benchmark changes. */
    private static final Pattern JDBC_URL = Pattern.compile("^(jdbc:postgresql://[^/?]*)(?:/[^?]*)?(\\?.*)?$");

    final BenchCommand settings;
    final String runId = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    final Report results = new Report();
    /** The most the engine sustained in this run's {@code max} phase, for the {@code bare} phase's ratio. */
    double engineMaximum = Double.NaN;
    private final Matcher database;
    private final Set<String> databases = new LinkedHashSet<>();

    Bench(BenchCommand settings) {
        this.settings = settings;
        this.database = JDBC_URL.matcher(settings.database);
        if (!database.matches()) {
            throw new IllegalArgumentException("--database must be a JDBC URL such as "
                    + "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres, not " + settings.database);
        }
    }

    /**
     * The URL of database {@code name} on the server given: the same host, parameters and
     * credentials, read by the same driver in the engine and here.
     */
    String url(String name) {
        return database.group(1) + "/" + name + (database.group(2) == null ? "" : database.group(2));
    }

    Connection connect(String name) throws SQLException {
        return DriverManager.getConnection(url(name));
    }

    /** A connection to the database the run was pointed at (to create and drop the measurements' own). */
    Connection connectAdmin() throws SQLException {
        return DriverManager.getConnection(settings.database);
    }

    /** An empty database for one measurement; the engine lays out its schema when it starts on it. */
    String freshDatabase(String name) throws SQLException {
        String db = "eie_bench_" + name;
        try (Connection admin = connectAdmin(); Statement statement = admin.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
            statement.execute("CREATE DATABASE " + db);
        }
        databases.add(db);
        return db;
    }

    void dropDatabases() {
        try (Connection admin = connectAdmin(); Statement statement = admin.createStatement()) {
            for (String db : databases) {
                statement.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
            }
        } catch (SQLException e) {
            System.out.println("  could not drop the measurements' databases " + databases + ": " + e.getMessage());
        }
    }

    /** Topics of this run only, so that sessions left by earlier runs on the same broker collect nothing of it. */
    String prefix(String phase) {
        return "bench-" + runId + "/" + phase + "/";
    }

    EngineProcess startEngine(String db, URI broker, String topicPrefix, String clientId) {
        return startEngine(db, broker, topicPrefix, clientId, Map.of());
    }

    /** As {@link #startEngine(String, URI, String, String)}, with these settings on top of the run's. */
    EngineProcess startEngine(String db, URI broker, String topicPrefix, String clientId, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("EIE_MQTT_URL", broker.toString());
        env.put("EIE_MQTT_CLIENT_ID", clientId);
        env.put("EIE_MQTT_TOPIC_PREFIX", topicPrefix);
        env.put("EIE_HTTP_HOST", "127.0.0.1");
        // a session outliving the run would go on collecting what later runs publish
        env.put("EIE_MQTT_SESSION_EXPIRY", "10m");
        // a phase's fleet stops when the phase does: the next phase's engine on its database would
        // raise a silent alarm for each of its devices, a one-off burst inside a measurement
        env.put("EIE_ALARM_SILENT_AFTER", "1d");
        env.putAll(engineEnvironment(db));
        env.putAll(extra);
        return EngineProcess.start(EngineProcess.command(settings.engineJar, engineJvmOptions(), List.of()), env,
                settings.workDir.resolve("engine-" + db + ".log"), Duration.ofMinutes(2));
    }

    /** The settings an engine's command on this database gets: the database, and the run's extra settings. */
    Map<String, String> engineEnvironment(String db) {
        Map<String, String> env = new HashMap<>();
        env.put("EIE_DATABASE_URL", url(db));
        env.putAll(settings.engineEnv);
        return env;
    }

    List<String> engineJvmOptions() {
        return settings.engineJvmOptions.stream().filter(option -> !option.isBlank()).toList();
    }

    /**
     * Posts a whole UTC day of the fleet (a reading a minute from every device) to the engine, all
     * of it accepted, then vacuums: what the packing and export phases measure on.
     */
    void postDay(EngineProcess engine, String db, Fleet fleet, Instant day) throws Exception {
        HistoryLoad.Result load = HistoryLoad.post(engine, fleet, day.toEpochMilli() - 60_000,
                day.plus(1, ChronoUnit.DAYS).toEpochMilli() - 60_000, 60_000);
        if (load.failed() > 0) {
            throw new IllegalStateException(load.failed() + " readings of the day were not accepted; see the engine's log");
        }
        System.out.printf("  posted %,d readings of %s in %.0f s%n", load.readings(), day, load.seconds());
        vacuum(db);
    }

    /** Runs {@code eie compact --after <after>} on the database, to its end; its output. */
    String compact(String db, String after) {
        EngineProcess.Finished compact = EngineProcess.run(EngineProcess.command(settings.engineJar, engineJvmOptions(),
                List.of("compact", "--after", after)), engineEnvironment(db), Duration.ofHours(2));
        if (compact.exitCode() != 0) {
            throw new IllegalStateException("eie compact failed: " + compact.output());
        }
        return compact.output();
    }

    /** What autovacuum does to tables that only grow, at once: visibility for index-only scans, and statistics. */
    void vacuum(String db) throws Exception {
        long began = System.nanoTime();
        try (Connection connection = connect(db); Statement statement = connection.createStatement()) {
            statement.execute("VACUUM (ANALYZE)");
        }
        System.out.printf("  VACUUM ANALYZE of the database (what autovacuum does to append-only tables): %.0f s%n",
                (System.nanoTime() - began) / 1e9);
    }

    /**
     * One vehicle's report (a random one each time, {@code query} after its path: empty for the
     * last 24 hours) at concurrency 1 and 8, for 30 s after 5 s of warm-up; a row each.
     */
    void reports(EngineProcess engine, Fleet fleet, String query, String measurement, String notes) throws Exception {
        Random random = new Random(17);
        String host = "127.0.0.1:" + engine.httpPort();
        for (int concurrency : new int[] {1, 8}) {
            try (ProcessWatch watch = new ProcessWatch(engine.pid())) {
                HttpLoad.Result result = HttpLoad.run("127.0.0.1", engine.httpPort(), concurrency, Duration.ofSeconds(5),
                        Duration.ofSeconds(30), 1, (connection, n) -> HttpLoad.request("GET",
                                "/v1/analytics/performance/" + fleet.pair(random.nextInt(fleet.size())).vehicleId + query,
                                host, null));
                ProcessWatch.Usage usage = watch.usage();
                results.add(new Report.Row(String.format(Locale.ROOT, "%s, concurrency %d", measurement, concurrency),
                        result.requestsPerSecond(), "requests/s", result.latencies().percentileMillis(50),
                        result.latencies().percentileMillis(99), notes + String.format(Locale.ROOT, "%,d failed", result.errors()),
                        usage.cores(), usage.peakResidentBytes()));
            }
        }
    }

    Connections connections(Fleet fleet, int count) {
        return new Connections(new Connections.Settings(settings.mqtt.getHost(), settings.mqtt.getPort(), false, null, null,
                count, MqttQos.AT_LEAST_ONCE, 5_000), fleet, runId);
    }

    /** What one measurement window saw. */
    record Measurement(long committed, long published, double seconds, Latencies latencies, long backlog,
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
    Measurement measure(EngineProcess engine, Probes probes, LongSupplier committed, LongSupplier published)
            throws InterruptedException {
        Thread.sleep(settings.warmup.toMillis());
        probes.record();
        long committedBefore = committed.getAsLong();
        long publishedBefore = published.getAsLong();
        long from = System.nanoTime();
        ProcessWatch engineWatch = engine == null ? null : new ProcessWatch(engine.pid());
        ProcessWatch simulatorWatch = new ProcessWatch(ProcessHandle.current().pid());
        try {
            Thread.sleep(settings.duration.toMillis());
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

    /** Devices backfilling as fast as the consumer commits, never more than {@code maxLag} ahead; no engine for the bare consumer. */
    Measurement saturate(String prefix, String vehiclePrefix, String meterPrefix, String db, EngineProcess engine,
                            LongSupplier committed) throws Exception {
        long now = System.currentTimeMillis();
        long start = now - Duration.ofDays(1).toMillis();
        Fleet fleet = Fleet.create(2_000, vehiclePrefix, meterPrefix, 0.05, start - 60_000, 180_000, 11);
        Connections connections = connections(fleet, 8);
        connections.connect(8, Duration.ofMinutes(1));
        AtomicLong seen = new AtomicLong();
        long maxLag = settings.maxLag;
        try (Poller poller = new Poller(() -> seen.set(committed.getAsLong()))) {
            Simulation simulation = new Simulation(fleet, connections, new Simulation.Settings(60_000, 1, start, now, true,
                    0, 0, 0, 0, prefix, 11), () -> {
                        while (connections.published.sum() - seen.get() > maxLag) {
                            Thread.sleep(1);
                        }
                    });
            try (FleetThread fleetThread = new FleetThread(simulation, connections);
                 Connection probeDb = connect(db);
                 Probes probes = new Probes(settings.mqtt.getHost(), settings.mqtt.getPort(), prefix, runId,
                         probeDb)) {
                return measure(engine, probes, committed, connections.published::sum);
            }
        }
    }

    /** Runs a simulation on its own thread; closing stops it and its connections. */
    static final class FleetThread implements AutoCloseable {
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
    static final class Poller implements AutoCloseable {
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

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
