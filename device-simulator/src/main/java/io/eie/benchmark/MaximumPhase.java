package io.eie.benchmark;

import io.eie.process.EngineProcess;
import java.util.Locale;

/** {@code max}: devices backfilling as fast as the engine commits (QoS 1, acknowledged after the commit). */
final class MaximumPhase {

    private final Bench bench;

    MaximumPhase(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        String db = bench.freshDatabase("max");
        try (EngineProcess engine = bench.startEngine(db, bench.settings.mqtt, bench.prefix("max"),
                "eie-bench-max-" + bench.runId)) {
            EngineMetrics metrics = new EngineMetrics(() -> engine.get("/metrics"));
            Bench.Measurement measurement = bench.saturate(bench.prefix("max"), "XV", "XM", db, engine, metrics::committed);
            bench.engineMaximum = measurement.committedPerSecond();
            bench.results.add(new Report.Row("MQTT, most sustained: 4,000 devices on 8 connections, QoS 1, ack after commit",
                    measurement.committedPerSecond(), "readings/s", measurement.p50(), measurement.p99(),
                    String.format(Locale.ROOT, "devices kept at most %,d readings ahead; backlog at the end %,d",
                            bench.settings.maxLag, measurement.backlog()),
                    measurement.engine().cores(), measurement.engine().peakResidentBytes()));
        }
    }
}
