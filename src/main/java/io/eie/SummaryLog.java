package io.eie;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per interval that says how the engine is doing, read off its own meters: what
 * was stored, found already stored and refused (per second), the writer's queue, MQTT messages
 * awaiting their commit, and the lag from receipt to commit. Nothing of any payload.
 */
final class SummaryLog implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(SummaryLog.class);

    private final MeterRegistry registry;
    private long lastRun = System.nanoTime();
    private double lastStored;
    private double lastDuplicates;
    private double lastRejected;
    private long lastLatencyCount;
    private double lastLatencyMillis;

    SummaryLog(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void run() {
        long now = System.nanoTime();
        double seconds = Math.max(1e-3, (now - lastRun) / 1e9);
        double stored = readings("stored");
        double duplicates = readings("duplicate");
        double rejected = readings("rejected") + registry.find("eie.rejections").counters().stream()
                .mapToDouble(Counter::count).sum();
        Timer latency = registry.find("eie.ingest.latency").timer();
        long latencyCount = latency == null ? 0 : latency.count();
        double latencyMillis = latency == null ? 0 : latency.totalTime(TimeUnit.MILLISECONDS);
        long committed = latencyCount - lastLatencyCount;

        log.info(String.format(Locale.ROOT, "Last %.0f s: %.1f readings/s stored, %.1f/s already stored, %.1f/s refused;"
                        + " queue %.0f, MQTT unacknowledged %.0f; receipt to commit %s",
                seconds, (stored - lastStored) / seconds, (duplicates - lastDuplicates) / seconds,
                (rejected - lastRejected) / seconds, gauge("eie.queue.depth"), gauge("eie.mqtt.unacknowledged"),
                committed == 0 ? "(nothing committed)" : String.format(Locale.ROOT, "mean %.1f ms, max %.1f ms",
                        (latencyMillis - lastLatencyMillis) / committed, latency.max(TimeUnit.MILLISECONDS))));

        lastRun = now;
        lastStored = stored;
        lastDuplicates = duplicates;
        lastRejected = rejected;
        lastLatencyCount = latencyCount;
        lastLatencyMillis = latencyMillis;
    }

    private double readings(String outcome) {
        return registry.find("eie.readings").tag("outcome", outcome).counters().stream().mapToDouble(Counter::count).sum();
    }

    private double gauge(String name) {
        Gauge gauge = registry.find(name).gauge();
        return gauge == null ? 0 : gauge.value();
    }
}
