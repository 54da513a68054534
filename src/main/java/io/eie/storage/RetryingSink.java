package io.eie.storage;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries a batch until it commits: while the database fails (an outage, a connection refused,
 * anything unexpected), with capped, jittered backoff, reporting the storage unavailable
 * meanwhile; at once when PostgreSQL aborted it for a conflict with a concurrent batch. A batch
 * that fails on its data is tried once more as it is (the sink may have repaired what it could,
 * such as a partition dropped under it), then the failure is passed on for {@link IsolatingSink}.
 * Nothing is answered while it retries, so nothing is acknowledged.
 */
public final class RetryingSink implements BatchSink {

    private static final Logger log = LoggerFactory.getLogger(RetryingSink.class);
    private static final Duration FIRST_RETRY_DELAY = Duration.ofMillis(100);

    private final BatchSink sink;
    private final Duration maxDelay;
    private volatile boolean storageAvailable = true;
    private volatile long giveUpAfterNanos = Long.MAX_VALUE;

    /** @param maxDelay the longest wait between two attempts */
    public RetryingSink(BatchSink sink, Duration maxDelay) {
        this.sink = sink;
        this.maxDelay = maxDelay;
    }

    /** False from the first failed attempt to commit until the next one that succeeds. */
    public boolean storageAvailable() {
        return storageAvailable;
    }

    @Override
    public void giveUpAfter(long deadlineNanos) {
        giveUpAfterNanos = deadlineNanos;
        sink.giveUpAfter(deadlineNanos);
    }

    @Override
    public List<Outcome> write(List<Write> batch) {
        long delayMillis = FIRST_RETRY_DELAY.toMillis();
        boolean retriedDataError = false;
        while (true) {
            List<Outcome> outcomes;
            try {
                outcomes = sink.write(batch);
            } catch (Throwable e) { // whatever fails, the writer lives on and retries
                if (e instanceof RuntimeException && isConflict(e) && System.nanoTime() < giveUpAfterNanos) {
                    // two batches of the same devices got in each other's way (PostgreSQL chose
                    // this one to abort): nothing is wrong with the database or the rows
                    log.debug("Batch of {} aborted by a conflict with a concurrent one; retrying it: {}", batch.size(),
                            rootMessage(e));
                    sleepOrGiveUp(ThreadLocalRandom.current().nextLong(1, 20), e);
                    continue;
                }
                if (e instanceof RuntimeException runtime && isDataError(e)) {
                    if (!retriedDataError) {
                        retriedDataError = true;
                        continue;
                    }
                    throw runtime;
                }
                if (storageAvailable) {
                    storageAvailable = false;
                    if (e instanceof RuntimeException && hasSqlCause(e)) {
                        log.warn("Database write failed; retrying the batch of {} and acknowledging nothing until it commits: {}",
                                batch.size(), rootMessage(e));
                    } else {
                        log.error("Writing a batch of {} failed unexpectedly; retrying it and acknowledging nothing until it commits",
                                batch.size(), e);
                    }
                } else {
                    log.debug("Database still failing: {}", rootMessage(e));
                }
                if (System.nanoTime() > giveUpAfterNanos) {
                    log.warn("Shutdown timeout reached with {} writes uncommitted; MQTT redelivers them, HTTP callers may retry",
                            batch.size());
                    throw new GaveUp(e);
                }
                sleepOrGiveUp(jitter(delayMillis), e);
                delayMillis = Math.min(delayMillis * 2, maxDelay.toMillis());
                continue;
            }
            if (!storageAvailable) {
                storageAvailable = true;
                log.info("Database writes succeed again");
            }
            return outcomes;
        }
    }

    /** The batch was not committed, and will not be by this sink: the writer is stopping. */
    static final class GaveUp extends RuntimeException {
        GaveUp(Throwable cause) {
            super("gave up committing the batch: " + rootMessage(cause), cause);
        }
    }

    /**
     * A failure caused by the rows themselves (SQLSTATE class 22, data exception, or 23,
     * integrity constraint violation): retrying the same rows cannot succeed.
     */
    static boolean isDataError(Throwable failure) {
        return hasSqlState(failure, "22") || hasSqlState(failure, "23");
    }

    /**
     * A transaction aborted for its concurrency with another (SQLSTATE class 40: a deadlock or a
     * serialization failure): the same rows commit when tried again.
     */
    static boolean isConflict(Throwable failure) {
        return hasSqlState(failure, "40");
    }

    private static boolean hasSqlState(Throwable failure, String sqlStateClass) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith(sqlStateClass)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasSqlCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException) {
                return true;
            }
        }
        return false;
    }

    /** The first line of the innermost cause's message: what PostgreSQL or the driver said. */
    static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null ? root.getClass().getSimpleName() : message.lines().findFirst().orElse(message);
    }

    private static long jitter(long millis) {
        return millis / 2 + ThreadLocalRandom.current().nextLong(millis / 2 + 1);
    }

    private static void sleepOrGiveUp(long millis, Throwable failure) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GaveUp(failure);
        }
    }
}
