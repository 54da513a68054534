package io.eie.storage;

import io.eie.telemetry.Envelope;
import io.eie.telemetry.MeterReading;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** A sink that records every batch it is given and answers as the real one would. */
final class RecordingSink implements BatchSink {
    final List<List<Write>> batches = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger mostInFlight = new AtomicInteger();
    volatile Function<List<Write>, RuntimeException> failure = batch -> null;
    volatile CountDownLatch gate = new CountDownLatch(0);

    @Override
    public List<Outcome> write(List<Write> batch) {
        mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
            gate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.decrementAndGet();
        }
        batches.add(List.copyOf(batch));
        RuntimeException fail = failure.apply(batch);
        if (fail != null) {
            throw fail;
        }
        return batch.stream().map(write -> write instanceof Write.RecordRejection rejection
                ? Outcome.rejected(rejection.rejection().problems())
                : Outcome.STORED).toList();
    }

    int readingsWritten() {
        synchronized (batches) {
            return (int) batches.stream().flatMap(List::stream).filter(Write.StoreReading.class::isInstance).count();
        }
    }

    /** A write that stores a reading of meter {@code M<i>}. */
    static Write reading(int i) {
        return new Write.StoreReading(new MeterReading("M" + i, Instant.parse("2026-02-10T10:00:00Z"),
                BigDecimal.ONE, 230), Envelope.mqtt("meters/M" + i, new byte[0], Instant.parse("2026-02-10T10:00:01Z")));
    }
}
