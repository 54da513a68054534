package io.eie;

import io.eie.analytics.FleetOverview.IngestRate;
import io.eie.storage.WriterMetrics;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * This instance's intake over the last minute, read off the writer's totals: {@link #sample()}
 * every few seconds keeps a minute of samples, {@link #current()} compares the newest with the
 * oldest. For the dashboard's overview; Prometheus does the same over any range from
 * {@code /metrics}.
 */
final class IngestRates {

    private static final long WINDOW_NANOS = 60_000_000_000L;

    private record Sample(long nanos, double stored, double duplicates, double rejected) {
    }

    private final WriterMetrics writer;
    private final Deque<Sample> samples = new ArrayDeque<>();

    IngestRates(WriterMetrics writer) {
        this.writer = writer;
        sample();
    }

    synchronized void sample() {
        long now = System.nanoTime();
        WriterMetrics.Totals totals = writer.totals();
        samples.addLast(new Sample(now, totals.stored(), totals.duplicates(), totals.rejected()));
        while (samples.size() > 2 && now - samples.peekFirst().nanos() > WINDOW_NANOS) {
            samples.removeFirst();
        }
    }

    synchronized IngestRate current() {
        Sample first = samples.peekFirst();
        Sample last = samples.peekLast();
        double seconds = (last.nanos() - first.nanos()) / 1e9;
        if (seconds < 1) {
            return IngestRate.NONE;
        }
        return new IngestRate(rate(last.stored() - first.stored(), seconds),
                rate(last.duplicates() - first.duplicates(), seconds), rate(last.rejected() - first.rejected(), seconds),
                Math.round(seconds));
    }

    private static double rate(double count, double seconds) {
        return Math.round(count / seconds * 10) / 10.0;
    }
}
