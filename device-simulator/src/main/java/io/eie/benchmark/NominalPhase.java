package io.eie.benchmark;

import io.eie.process.EngineProcess;
import io.eie.simulator.Connections;
import io.eie.simulator.Fleet;
import io.eie.simulator.Simulation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Locale;

/** {@code nominal}: every device on a connection of its own, a reading a minute each, QoS 1. */
final class NominalPhase {

    private final Bench bench;

    NominalPhase(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        BenchCommand settings = bench.settings;
        int devices = Math.min(settings.nominalDevices, openFileBudget());
        if (devices < settings.nominalDevices) {
            System.out.printf("  %,d devices, not %,d: this process may open %,d files, one per connection (ulimit -n)%n",
                    devices, settings.nominalDevices, openFileLimit());
        }
        String db = bench.freshDatabase("nominal");
        try (EngineProcess engine = bench.startEngine(db, settings.mqtt, bench.prefix("nominal"),
                "eie-bench-nominal-" + bench.runId)) {
            EngineMetrics metrics = new EngineMetrics(() -> engine.get("/metrics"));
            Fleet fleet = Fleet.create(devices / 2, "NV", "NM", 0.05, System.currentTimeMillis() - 60_000, 180_000, 7);
            Connections connections = bench.connections(fleet, 0);
            long connecting = System.nanoTime();
            connections.connect(500, Duration.ofMinutes(5));
            System.out.printf("  %,d of %,d devices connected in %.1f s%n", connections.connected(), connections.count(),
                    (System.nanoTime() - connecting) / 1e9);
            Simulation simulation = new Simulation(fleet, connections, new Simulation.Settings(60_000, 1,
                    System.currentTimeMillis(), Long.MAX_VALUE, false, 0, 0, 0, 0, bench.prefix("nominal"), 7));
            try (Bench.FleetThread fleetThread = new Bench.FleetThread(simulation, connections);
                 Connection probeDb = bench.connect(db);
                 Probes probes = new Probes(settings.mqtt.getHost(), settings.mqtt.getPort(), bench.prefix("nominal"),
                         bench.runId, probeDb)) {
                Bench.Measurement measurement = bench.measure(engine, probes, metrics::committed, connections.published::sum);
                ProcessWatch.Usage simulator = measurement.simulator();
                bench.results.add(new Report.Row(String.format(Locale.ROOT,
                        "MQTT, nominal load: %,d devices on their own connections, a reading a minute each, QoS 1", devices),
                        measurement.committedPerSecond(), "readings/s", measurement.p50(), measurement.p99(),
                        String.format(Locale.ROOT, "published %,.0f/s; backlog at the end %,d; simulator %.2f cores, %,d MB",
                                measurement.publishedPerSecond(), measurement.backlog(), simulator.cores(),
                                simulator.peakResidentBytes() / (1024 * 1024)),
                        measurement.engine().cores(), measurement.engine().peakResidentBytes()));
            }
        }
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
}
