package io.eie.storage;

import java.time.Duration;
import java.time.Instant;

/**
 * When closed days of history are packed, and how hard the background packing works.
 *
 * @param after          a day is closed, and packed, once its end is this long past: long enough
 *                       that readings held back by a broker or a device have arrived
 * @param share          the share of its time the background packing spends working; it rests
 *                       the remainder (and waits while the writers have a backlog), so that
 *                       ingest keeps the machine
 * @param every          how often the engine looks for closed days to pack; the first look is this
 *                       long after it starts
 * @param devicesPerStep how many devices' readings of a day one step (one transaction) packs
 */
public record PackingSettings(Duration after, double share, Duration every, int devicesPerStep) {

    public static final PackingSettings DEFAULTS =
            new PackingSettings(Duration.ofHours(36), 0.1, Duration.ofMinutes(10), 50);

    /**
     * How much earlier than the packer a writer treats a day as closed: a writer stores a reading
     * of a closed day on the path that waits for packing and checks the packed rows, and this
     * margin keeps that true across engines whose clocks differ by less.
     */
    static final Duration WRITER_MARGIN = Duration.ofHours(1);

    public PackingSettings withAfter(Duration closedAfter) {
        return new PackingSettings(closedAfter, share, every, devicesPerStep);
    }

    /** The first instant of the first day that is not closed at {@code now}: days before it may be packed. */
    public Instant closedBefore(Instant now) {
        return startOfDay(now.minus(after));
    }

    /** As {@link #closedBefore}, as writers see it: a day may be packed within the hour. */
    Instant closedBeforeForWriters(Instant now) {
        return closedBefore(now.plus(WRITER_MARGIN));
    }

    static Instant startOfDay(Instant instant) {
        return Instant.ofEpochSecond(Math.floorDiv(instant.getEpochSecond(), 86_400L) * 86_400L);
    }
}
