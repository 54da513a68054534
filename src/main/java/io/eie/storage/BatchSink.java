package io.eie.storage;

import java.util.List;

/**
 * Where the batch writer flushes to: commits a whole batch in one transaction, or throws and
 * commits nothing. Sinks wrap each other, each with one job: {@link IsolatingSink} (bad rows),
 * {@link RetryingSink} (a database that fails), {@link TelemetryRepository} (the transaction).
 */
@FunctionalInterface
public interface BatchSink {

    /** @return one outcome per write, in the order of the batch */
    List<Outcome> write(List<Write> batch);

    /**
     * The writer is closing: a write under way may keep trying until {@code deadlineNanos} (as
     * {@link System#nanoTime()}), and then gives up by throwing. A sink that wraps another passes
     * this on.
     */
    default void giveUpAfter(long deadlineNanos) {
    }
}
