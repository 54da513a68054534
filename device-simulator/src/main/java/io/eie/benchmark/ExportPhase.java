package io.eie.benchmark;

import io.eie.process.EngineProcess;
import io.eie.simulator.Fleet;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code export}: a whole UTC day for the fleet (three days back, a reading a minute from every
 * device, posted to the engine), then each kind's readings of the day exported as CSV over HTTP,
 * read to the end as a client would: rows a second, time to the first byte, the engine's memory;
 * then the same after the day is packed.
 */
final class ExportPhase {

    private final Bench bench;

    ExportPhase(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        String db = bench.freshDatabase("export");
        Instant day = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(3, ChronoUnit.DAYS);
        Fleet fleet = Fleet.create(bench.settings.analyticsVehicles, "V", "M", 0.05, day.toEpochMilli() - 120_000, 180_000, 17);
        try (EngineProcess engine = bench.startEngine(db, bench.settings.mqtt, bench.prefix("export"),
                "eie-bench-export-" + bench.runId, Map.of("EIE_COMPACT_AFTER", "90d", "EIE_COMPACT_EVERY", "365d"))) {
            bench.postDay(engine, db, fleet, day);
            for (String kind : List.of("meter", "vehicle")) {
                export(engine, kind, day, "unpacked");
            }
            bench.compact(db, "48h");
            bench.vacuum(db);
            for (String kind : List.of("meter", "vehicle")) {
                export(engine, kind, day, "packed");
            }
        }
    }

    /** Reads one kind's CSV of the day to the end, and adds its row. */
    private void export(EngineProcess engine, String kind, Instant day, String form) throws Exception {
        URI uri = engine.uri("/v1/export/readings?kind=" + kind + "&from=" + day + "&to=" + day.plus(1, ChronoUnit.DAYS));
        HttpClient client = HttpClient.newHttpClient();
        long lines = 0;
        long bytes = 0;
        double firstByteMillis;
        double seconds;
        try (ProcessWatch watch = new ProcessWatch(engine.pid())) {
            long began = System.nanoTime();
            HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(uri).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("the export answered " + response.statusCode());
            }
            byte[] buffer = new byte[1 << 16];
            firstByteMillis = Double.NaN;
            try (InputStream body = response.body()) {
                int n;
                while ((n = body.read(buffer)) > 0) {
                    if (bytes == 0) {
                        firstByteMillis = (System.nanoTime() - began) / 1e6;
                    }
                    bytes += n;
                    for (int i = 0; i < n; i++) {
                        if (buffer[i] == '\n') {
                            lines++;
                        }
                    }
                }
            }
            seconds = (System.nanoTime() - began) / 1e9;
            ProcessWatch.Usage usage = watch.usage();
            long rows = lines - 1;
            bench.results.add(new Report.Row(String.format(Locale.ROOT,
                    "Export, a whole day of every %s's readings as CSV over HTTP, %s", kind, form), rows / seconds,
                    "readings/s", firstByteMillis, Double.NaN, String.format(Locale.ROOT,
                    "%,d readings, %,d bytes in %.1f s (%.0f MB/s); p50 is the time to the first byte", rows, bytes, seconds,
                    bytes / seconds / 1e6), usage.cores(), usage.peakResidentBytes()));
        }
    }
}
