package io.eie.benchmark;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import io.eie.process.EngineProcess;
import io.eie.simulator.Connections;
import io.eie.simulator.Fleet;
import io.eie.simulator.Simulation;
import io.eie.units.Durations;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code backlog}: what queues at the broker while the engine is down (an hour of 20,000 devices
 * by default), drained once it starts. On the engine's own broker, started on its own.
 */
final class BacklogPhase {

    private final Bench bench;

    BacklogPhase(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        BenchCommand settings = bench.settings;
        String db = bench.freshDatabase("backlog");
        Path brokerData = settings.workDir.resolve("broker-" + bench.runId);
        int port = EngineProcess.freePort();
        Map<String, String> brokerEnv = Map.of("EIE_DATA_DIR", brokerData.toString(), "EIE_EMBEDDED_MQTT_HOST", "127.0.0.1",
                "EIE_EMBEDDED_MQTT_PORT", Integer.toString(port));
        try (EngineProcess broker = EngineProcess.startBroker(EngineProcess.command(settings.engineJar, List.of(),
                List.of("broker")), brokerEnv, settings.workDir.resolve("backlog-broker.log"), Duration.ofMinutes(1))) {
            URI brokerUrl = URI.create("tcp://127.0.0.1:" + port);
            String clientId = "eie-bench-backlog-" + bench.runId;
            // the engine subscribes once, then goes away: its session collects the backlog
            bench.startEngine(db, brokerUrl, bench.prefix("backlog"), clientId).terminate(Duration.ofMinutes(2));
            Fleet fleet = Fleet.create(settings.backlogDevices / 2, "OV", "OM", 0.05, System.currentTimeMillis(), 180_000, 13);
            Connections connections = new Connections(new Connections.Settings(brokerUrl.getHost(), brokerUrl.getPort(), false,
                    null, null, 8, MqttQos.AT_LEAST_ONCE, 5_000), fleet, bench.runId);
            connections.connect(8, Duration.ofMinutes(1));
            long end = System.currentTimeMillis();
            Simulation simulation = new Simulation(fleet, connections, new Simulation.Settings(60_000, 1,
                    end - settings.backlogWindow.toMillis(), end, true, 0, 0, 0, 0, bench.prefix("backlog"), 13));
            simulation.run(() -> false);
            connections.close(Duration.ofMinutes(2));
            long queued = connections.acknowledged.sum();
            System.out.printf("  %,d readings queued in the broker for the engine's session%n", queued);

            long launched = System.nanoTime();
            try (EngineProcess engine = bench.startEngine(db, brokerUrl, bench.prefix("backlog"), clientId);
                 ProcessWatch watch = new ProcessWatch(engine.pid())) {
                long ready = System.nanoTime();
                EngineMetrics metrics = new EngineMetrics(() -> engine.get("/metrics"));
                while (metrics.committed() < queued && System.nanoTime() - launched < Duration.ofMinutes(30).toNanos()) {
                    Thread.sleep(50);
                }
                long drained = System.nanoTime();
                long committed = metrics.committed();
                double seconds = (drained - launched) / 1e9;
                bench.results.add(new Report.Row(String.format(Locale.ROOT,
                        "MQTT, backlog: %,d readings queued while the engine was down (%s of %,d devices)", queued,
                        Durations.format(settings.backlogWindow), settings.backlogDevices),
                        committed / seconds, "readings/s", Double.NaN, Double.NaN,
                        String.format(Locale.ROOT, "drained %,d in %.1f s from the engine's start (%.1f s after it was ready); "
                                + "broker: the engine's own, on its own", committed, seconds, (drained - ready) / 1e9),
                        watch.usage().cores(), watch.usage().peakResidentBytes()));
            }
        }
    }
}
