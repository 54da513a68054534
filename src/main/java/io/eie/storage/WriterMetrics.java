package io.eie.storage;

import io.eie.telemetry.DeviceKind;
import io.eie.telemetry.Problem;
import io.eie.telemetry.Source;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What the batch writer did, as meters: readings by kind, door and outcome, rejections by
 * reason, batch sizes, commit latency, the time from receipt to commit, and the queue's depth.
 * Counted after each commit, so the figures are of committed writes only.
 */
public final class WriterMetrics {

    private final MeterRegistry registry;
    /** By kind, source and outcome status, resolved once: no lookups per reading. */
    private final Counter[][][] readings =
            new Counter[DeviceKind.values().length][Source.values().length][Outcome.Status.values().length];
    private final Map<String, Counter> rejections = new ConcurrentHashMap<>();
    private final DistributionSummary batchSize;
    private final Timer commitLatency;
    private final Timer ingestLatency;

    public WriterMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (DeviceKind kind : DeviceKind.values()) {
            for (Source source : Source.values()) {
                for (Outcome.Status status : Outcome.Status.values()) {
                    readings[kind.ordinal()][source.ordinal()][status.ordinal()] = Counter.builder("eie.readings")
                            .description("Readings committed, by device kind, door and outcome")
                            .tag("kind", kind.typeName())
                            .tag("source", source.label())
                            .tag("outcome", status.name().toLowerCase(Locale.ROOT))
                            .register(registry);
                }
            }
        }
        this.batchSize = DistributionSummary.builder("eie.batch.size")
                .description("Writes per committed batch")
                .publishPercentileHistogram()
                .minimumExpectedValue(1.0)
                .maximumExpectedValue(100_000.0)
                .register(registry);
        this.commitLatency = Timer.builder("eie.batch.commit")
                .description("Time to commit one batch, retries included")
                .publishPercentileHistogram()
                .register(registry);
        this.ingestLatency = Timer.builder("eie.ingest.latency")
                .description("Time from receiving a reading to committing it")
                .publishPercentileHistogram()
                .register(registry);
    }

    /**
     * What has been committed since start: readings stored, readings found already stored, and
     * payloads refused (recorded as rejections).
     */
    public record Totals(double stored, double duplicates, double rejected) {
    }

    public Totals totals() {
        double[] byStatus = new double[Outcome.Status.values().length];
        for (Counter[][] bySource : readings) {
            for (Counter[] counters : bySource) {
                for (Outcome.Status status : Outcome.Status.values()) {
                    byStatus[status.ordinal()] += counters[status.ordinal()].count();
                }
            }
        }
        double rejected = byStatus[Outcome.Status.REJECTED.ordinal()];
        for (Counter counter : rejections.values()) {
            rejected += counter.count();
        }
        return new Totals(byStatus[Outcome.Status.STORED.ordinal()], byStatus[Outcome.Status.DUPLICATE.ordinal()], rejected);
    }

    /** The time from receiving a reading to committing it, of every reading committed. */
    public Timer ingestLatency() {
        return ingestLatency;
    }

    /** Meters nobody reads, for a writer used without an engine around it (tests). */
    public static WriterMetrics unregistered() {
        return new WriterMetrics(new SimpleMeterRegistry());
    }

    /**
     * Counts the batches one writer takes (writer 1 takes whatever waits; the others only while
     * a backlog waits, so theirs show when the database has had two batches in hand).
     */
    Counter writerBatches(int writer) {
        return Counter.builder("eie.writer.batches")
                .description("Batches taken by each writer; writers after the first take one only while a backlog waits")
                .tag("writer", Integer.toString(writer))
                .register(registry);
    }

    void gaugeQueue(Supplier<Number> depth) {
        Gauge.builder("eie.queue.depth", depth).description("Writes waiting for a batch").register(registry);
    }

    void committed(List<Write> batch, List<Outcome> outcomes, Duration took, Instant now) {
        batchSize.record(batch.size());
        commitLatency.record(took);
        for (int i = 0; i < batch.size(); i++) {
            Outcome outcome = outcomes.get(i);
            if (batch.get(i) instanceof Write.StoreReading store && outcome.status() == Outcome.Status.REJECTED) {
                // a valid reading the database refused: it was recorded as a rejection in its place
                rejected(store.source(), store.reading().kind(), outcome.problems());
            } else if (batch.get(i) instanceof Write.StoreReading store) {
                readings[store.reading().kind().ordinal()][store.source().ordinal()][outcome.status().ordinal()].increment();
                ingestLatency.record(Duration.between(store.receivedAt(), now));
            } else {
                Write.RecordRejection record = (Write.RecordRejection) batch.get(i);
                rejected(record.rejection().source(), record.rejection().kind(), record.rejection().problems());
            }
        }
    }

    /** @param deviceKind {@code null} when it cannot be told */
    private void rejected(Source from, DeviceKind deviceKind, List<Problem> problems) {
        String reason = problems.isEmpty() || problems.get(0).field() == null ? "payload" : problems.get(0).field();
        String kind = deviceKind == null ? "unknown" : deviceKind.typeName();
        String source = from.label();
        rejections.computeIfAbsent(source + "/" + kind + "/" + reason, key -> Counter.builder("eie.rejections")
                .description("Payloads refused, by door, by device kind (unknown when it cannot be told) and by the "
                        + "field of their first problem")
                .tag("source", source)
                .tag("kind", kind)
                .tag("reason", reason)
                .register(registry)).increment();
    }
}
