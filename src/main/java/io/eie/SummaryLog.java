package io.eie;

import io.eie.storage.WriterMetrics;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per interval that says how the engine is doing: what was stored, found already
 * stored and refused (per second), the writer's queue, MQTT messages awaiting their commit, and
 * the lag from receipt to commit. Nothing of any payload.
 */
final class SummaryLog implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(SummaryLog.class);

    private final WriterMetrics writer;
    private final IntSupplier queued;
    private final IntSupplier unacknowledged;
    private long lastRun = System.nanoTime();
    private WriterMetrics.Totals last = new WriterMetrics.Totals(0, 0, 0);
    private long lastLatencyCount;
    private double lastLatencyMillis;

    /**
     * @param queued         writes waiting for a batch
     * @param unacknowledged MQTT messages received and not yet acknowledged
     */
    SummaryLog(WriterMetrics writer, IntSupplier queued, IntSupplier unacknowledged) {
        this.writer = writer;
        this.queued = queued;
        this.unacknowledged = unacknowledged;
    }

    @Override
    public void run() {
        long now = System.nanoTime();
        double seconds = Math.max(1e-3, (now - lastRun) / 1e9);
        WriterMetrics.Totals totals = writer.totals();
        Timer latency = writer.ingestLatency();
        long latencyCount = latency.count();
        double latencyMillis = latency.totalTime(TimeUnit.MILLISECONDS);
        long committed = latencyCount - lastLatencyCount;

        log.info(String.format(Locale.ROOT, "Last %.0f s: %.1f readings/s stored, %.1f/s already stored, %.1f/s refused;"
                        + " queue %d, MQTT unacknowledged %d; receipt to commit %s",
                seconds, (totals.stored() - last.stored()) / seconds, (totals.duplicates() - last.duplicates()) / seconds,
                (totals.rejected() - last.rejected()) / seconds, queued.getAsInt(), unacknowledged.getAsInt(),
                committed == 0 ? "(nothing committed)" : String.format(Locale.ROOT, "mean %.1f ms, max %.1f ms",
                        (latencyMillis - lastLatencyMillis) / committed, latency.max(TimeUnit.MILLISECONDS))));

        lastRun = now;
        last = totals;
        lastLatencyCount = latencyCount;
        lastLatencyMillis = latencyMillis;
    }
}
