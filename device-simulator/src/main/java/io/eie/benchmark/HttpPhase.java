package io.eie.benchmark;

import io.eie.process.EngineProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** {@code http}: single readings over many connections, then arrays of 1,000 over a few. */
final class HttpPhase {

    private final Bench bench;

    HttpPhase(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        BenchCommand settings = bench.settings;
        String db = bench.freshDatabase("http");
        try (EngineProcess engine = bench.startEngine(db, settings.mqtt, bench.prefix("http"), "eie-bench-http-" + bench.runId)) {
            long base = System.currentTimeMillis() - Duration.ofDays(2).toMillis();
            String host = "127.0.0.1:" + engine.httpPort();
            try (ProcessWatch watch = new ProcessWatch(engine.pid())) {
                HttpLoad.Result single = HttpLoad.run("127.0.0.1", engine.httpPort(), settings.httpConnections, settings.warmup,
                        settings.duration, 1,
                        (connection, n) -> HttpLoad.request("POST", "/v1/ingest", host,
                                reading("HS" + connection, base + n).getBytes(StandardCharsets.UTF_8)));
                usage(watch, single, String.format(Locale.ROOT, "HTTP, one reading per request, %d connections",
                        settings.httpConnections));
            }
            try (ProcessWatch watch = new ProcessWatch(engine.pid())) {
                HttpLoad.Result arrays = HttpLoad.run("127.0.0.1", engine.httpPort(), 8, settings.warmup, settings.duration,
                        1_000, (connection, n) -> HttpLoad.request("POST", "/v1/ingest", host,
                                array("HA" + connection, base + n * 1_000)));
                usage(watch, arrays, "HTTP, arrays of 1,000 readings, 8 connections");
            }
        }
    }

    private void usage(ProcessWatch watch, HttpLoad.Result result, String what) {
        ProcessWatch.Usage usage = watch.usage();
        bench.results.add(new Report.Row(what, result.readingsPerSecond(), "readings/s", result.latencies().percentileMillis(50),
                result.latencies().percentileMillis(99), String.format(Locale.ROOT, "%,.0f requests/s; %,d failed",
                        result.requestsPerSecond(), result.errors()), usage.cores(), usage.peakResidentBytes()));
    }

    /** A vehicle's reading at {@code millis}, the same every time but for its device and time. */
    static String reading(String vehicleId, long millis) {
        return "{\"vehicleId\":\"" + vehicleId + "\",\"soc\":50.5,\"kwhDeliveredDc\":0.1234,\"batteryTemp\":30.1,\"timestamp\":\""
                + Instant.ofEpochMilli(millis) + "\"}";
    }

    private static byte[] array(String vehicleId, long firstMillis) {
        StringBuilder json = new StringBuilder(120_000).append('[');
        for (int i = 0; i < 1_000; i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append(reading(vehicleId, firstMillis + i));
        }
        return json.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }
}
