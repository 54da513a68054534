package io.eie;

import io.eie.analytics.FleetOverview.IngestRate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * This instance's intake over the last minute, read off its own counters: {@link #sample()}
 * every few seconds keeps a minute of samples, {@link #current()} compares the newest with the
 * oldest. For the dashboard's overview; Prometheus does the same over any range from
 * {@code /metrics}.
 */
final class IngestRates {

    private static final long WINDOW_NANOS = 60_000_000_000L;

    private record Sample(long nanos, double stored, double duplicates, double rejected) {
    }

    private final MeterRegistry registry;
    private final Deque<Sample> samples = new ArrayDeque<>();

    IngestRates(MeterRegistry registry) {
        this.registry = registry;
        sample();
    }

    synchronized void sample() {
        long now = System.nanoTime();
        samples.addLast(new Sample(now, readings("stored"), readings("duplicate"), readings("rejected")
                + registry.find("eie.rejections").counters().stream().mapToDouble(Counter::count).sum()));
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

    private double readings(String outcome) {
        return registry.find("eie.readings").tag("outcome", outcome).counters().stream().mapToDouble(Counter::count).sum();
    }
}
