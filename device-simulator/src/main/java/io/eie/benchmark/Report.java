package io.eie.benchmark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The benchmark's table, printed and appended to BENCHMARKS.md with how and where it was measured. */
final class Report {

    /**
     * One measured line.
     *
     * @param rate    readings (or requests) per second, as {@code unit} says
     * @param p50     milliseconds; NaN where latency is not measured
     * @param cores   the engine's CPU, in cores (1.0 = one core busy); NaN where no engine runs
     * @param peakRss the engine's largest resident memory, bytes
     */
    record Row(String measurement, double rate, String unit, double p50, double p99, String notes, double cores,
               long peakRss) {
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> checks = new ArrayList<>();

    synchronized void add(Row row) {
        rows.add(row);
        System.out.println("  => " + line(row));
    }

    synchronized void check(String finding) {
        checks.add(finding);
        System.out.println("  => " + finding);
    }

    String table() {
        StringBuilder table = new StringBuilder()
                .append("| measurement | rate | p50 ms | p99 ms | notes | engine CPU (cores) | engine RSS peak |\n")
                .append("|---|---:|---:|---:|---|---:|---:|\n");
        for (Row row : rows) {
            table.append(line(row)).append('\n');
        }
        return table.toString();
    }

    private static String line(Row row) {
        return String.format(Locale.ROOT, "| %s | %s %s | %s | %s | %s | %s | %s |", row.measurement(), rate(row.rate()),
                row.unit(), millis(row.p50()), millis(row.p99()), row.notes(),
                Double.isNaN(row.cores()) ? "" : String.format(Locale.ROOT, "%.2f", row.cores()),
                row.peakRss() <= 0 ? "" : String.format(Locale.ROOT, "%,d MB", row.peakRss() / (1024 * 1024)));
    }

    /** Whole numbers, but a slow query's fraction of one a second is not shown as 0. */
    private static String rate(double value) {
        return String.format(Locale.ROOT, value < 10 ? "%.2f" : "%,.0f", value);
    }

    private static String millis(double value) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, value < 10 ? "%.2f" : "%.0f", value);
    }

    void appendTo(Path file, String heading, String how) throws IOException {
        StringBuilder section = new StringBuilder("\n## ").append(heading).append("\n\n").append(how).append("\n\n")
                .append(table());
        if (!checks.isEmpty()) {
            section.append('\n');
            checks.forEach(check -> section.append("- ").append(check).append('\n'));
        }
        Files.writeString(file, section.toString(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }
}
