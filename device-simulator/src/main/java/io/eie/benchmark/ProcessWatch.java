package io.eie.benchmark;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Samples a process every second while a measurement runs: its CPU share and its peak memory. */
final class ProcessWatch implements AutoCloseable {

    /** @param cores average cores used; {@code peakResidentBytes} the largest resident set seen */
    record Usage(double cores, long peakResidentBytes) {
    }

    private final ProcessStats stats;
    private final ProcessStats.Sample first;
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "process-watch");
        thread.setDaemon(true);
        return thread;
    });
    private long peak;

    ProcessWatch(long pid) {
        this.stats = new ProcessStats(pid);
        this.first = stats.sample();
        this.peak = first.residentBytes();
        sampler.scheduleAtFixedRate(this::sample, 1, 1, TimeUnit.SECONDS);
    }

    private synchronized void sample() {
        try {
            peak = Math.max(peak, stats.sample().residentBytes());
        } catch (RuntimeException gone) {
            sampler.shutdown();
        }
    }

    /** Usage from the start of the watch until now. */
    synchronized Usage usage() {
        ProcessStats.Sample last = stats.sample();
        peak = Math.max(peak, last.residentBytes());
        return new Usage(ProcessStats.cores(first, last), peak);
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
