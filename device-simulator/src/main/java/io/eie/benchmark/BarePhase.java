package io.eie.benchmark;

import io.eie.process.EngineProcess;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code bare}: the load of {@code max} into a bare pass-through consumer ({@link BareConsumer}),
 * the floor to measure the engine against.
 */
final class BarePhase {

    private final Bench bench;

    BarePhase(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        String db = bench.freshDatabase("bare");
        // the engine lays out the schema, and the partitions of the days the load covers, for the
        // bare consumer to write to
        try (EngineProcess engine = bench.startEngine(db, bench.settings.mqtt, bench.prefix("unused"),
                "eie-bench-schema-" + bench.runId)) {
            long now = System.currentTimeMillis();
            HttpClient.newHttpClient().send(HttpRequest.newBuilder(engine.uri("/v1/ingest"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("[" + HttpPhase.reading("schema", now - Duration.ofDays(1).toMillis())
                            + "," + HttpPhase.reading("schema", now - 1_000) + "]", StandardCharsets.UTF_8))
                    .build(), HttpResponse.BodyHandlers.discarding());
            engine.terminate(Duration.ofMinutes(2));
        }
        try (Connection writerDb = bench.connect(db);
             BareConsumer consumer = new BareConsumer(bench.settings.mqtt.getHost(), bench.settings.mqtt.getPort(),
                     bench.prefix("bare"), "bench-bare-" + bench.runId, writerDb)) {
            Bench.Measurement measurement = bench.saturate(bench.prefix("bare"), "BV", "BM", db, null, consumer::committed);
            String ratio = Double.isNaN(bench.engineMaximum) ? "" : String.format(Locale.ROOT,
                    "; the engine reached %.0f %%", 100 * bench.engineMaximum / measurement.committedPerSecond());
            bench.results.add(new Report.Row("MQTT, bare pass-through: same load, broker, rows and ack after commit, no engine",
                    measurement.committedPerSecond(), "readings/s", measurement.p50(), measurement.p99(),
                    String.format(Locale.ROOT, "a minimal consumer in the benchmark's process%s", ratio), Double.NaN, 0));
        }
    }
}
