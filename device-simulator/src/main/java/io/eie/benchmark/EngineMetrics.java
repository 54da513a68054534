package io.eie.benchmark;

import java.util.function.Supplier;

/** Reads the engine's own count of committed readings from its Prometheus scrape. */
final class EngineMetrics {

    private final Supplier<String> scrape;

    EngineMetrics(Supplier<String> scrape) {
        this.scrape = scrape;
    }

    /** Readings committed so far: stored, or found already stored. */
    long committed() {
        long total = 0;
        for (String line : scrape.get().split("\n")) {
            if (line.startsWith("eie_readings_total{") && !line.contains("outcome=\"rejected\"")) {
                total += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }
}
