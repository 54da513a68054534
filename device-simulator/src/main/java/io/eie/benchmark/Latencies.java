package io.eie.benchmark;

import java.util.Arrays;

/** Latency samples in nanoseconds, kept whole: the percentiles are exact, not estimated. */
final class Latencies {

    private long[] samples = new long[1024];
    private int count;

    synchronized void add(long nanos) {
        if (count == samples.length) {
            samples = Arrays.copyOf(samples, samples.length * 2);
        }
        samples[count++] = nanos;
    }

    synchronized void addAll(Latencies other) {
        for (int i = 0; i < other.count; i++) {
            add(other.samples[i]);
        }
    }

    synchronized int count() {
        return count;
    }

    /** The {@code p}-th percentile (0-100) in milliseconds; NaN without samples. */
    synchronized double percentileMillis(double p) {
        if (count == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        int index = (int) Math.min(count - 1, Math.max(0, Math.ceil(p / 100 * count) - 1));
        return sorted[index] / 1e6;
    }
}
