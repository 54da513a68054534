package io.eie.storage;

import java.time.Duration;

/**
 * How the batch writer groups and commits writes, and how long {@link RetryingSink} waits
 * between attempts.
 *
 * @param maxBatchSize    the most writes in one transaction
 * @param maxWait         how long a batch that is not full may wait for more writes; zero means
 *                        "take what is already waiting", which lets batches grow with load
 * @param queueCapacity   the most writes waiting; past it MQTT intake blocks and HTTP gets 503
 * @param writers         how many batches may be committing at once, each on its own connection (at least 1)
 * @param retryMaxDelay   the cap of the backoff between attempts while the database is failing
 * @param shutdownTimeout how long closing may spend committing what is still queued
 */
public record BatchSettings(int maxBatchSize, Duration maxWait, int queueCapacity, int writers, Duration retryMaxDelay,
                            Duration shutdownTimeout) {

    public static final BatchSettings DEFAULTS =
            new BatchSettings(10_000, Duration.ZERO, 50_000, 2, Duration.ofSeconds(5), Duration.ofSeconds(20));
}
