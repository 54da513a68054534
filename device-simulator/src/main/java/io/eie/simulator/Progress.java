package io.eie.simulator;

import io.eie.units.Durations;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** A line every few seconds while the fleet runs, and a summary when it stops. */
final class Progress {

    private final Simulation simulation;
    private final Connections connections;
    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private long lastNanos = startNanos;
    private long lastReports;

    Progress(Simulation simulation, Connections connections, PrintStream out) {
        this.simulation = simulation;
        this.connections = connections;
        this.out = out;
    }

    synchronized void print() {
        long now = System.nanoTime();
        long reports = simulation.reports.sum();
        double rate = (reports - lastReports) / ((now - lastNanos) / 1e9);
        lastNanos = now;
        lastReports = reports;
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "[%s] simulated %s | reports %,d (%,.0f/s) | published %,d, acknowledged %,d, failed %,d, in flight %,d | connected %,d/%,d",
                Durations.format(Duration.ofNanos(now - startNanos)),
                Instant.ofEpochMilli(simulation.simulatedNow()).truncatedTo(ChronoUnit.SECONDS),
                reports, rate, connections.published.sum(), connections.acknowledged.sum(), connections.failed.sum(),
                connections.inFlight(), connections.connected(), connections.count()));
        faults(line);
        out.println(line);
        if (connections.failed.sum() > 0 && connections.lastError() != null) {
            out.println("  last error: " + connections.lastError());
        }
    }

    void summary() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        long reports = simulation.reports.sum();
        StringBuilder summary = new StringBuilder(String.format(Locale.ROOT,
                "Done in %s: %,d reports (%,.0f/s on average); published %,d, acknowledged %,d, failed %,d",
                Durations.format(Duration.ofNanos(System.nanoTime() - startNanos)), reports, reports / Math.max(seconds, 1e-9),
                connections.published.sum(), connections.acknowledged.sum(), connections.failed.sum()));
        faults(summary);
        out.println(summary);
    }

    private void faults(StringBuilder line) {
        long invalid = simulation.invalid.sum();
        long duplicates = simulation.duplicates.sum();
        long outOfOrder = simulation.outOfOrder.sum();
        long future = simulation.future.sum();
        if (invalid + duplicates + outOfOrder + future > 0) {
            line.append(String.format(Locale.ROOT, " | on purpose: %,d invalid, %,d duplicated, %,d out of order, %,d from the future",
                    invalid, duplicates, outOfOrder, future));
        }
    }
}
