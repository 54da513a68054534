package io.eie.analytics;

import java.time.Instant;

/**
 * The fleet at a glance: the answer of {@code GET /v1/analytics/fleet/overview}.
 *
 * @param recentMinutes the devices counted as reporting sent a reading that arrived within this many minutes
 * @param ingest        this engine instance's own intake over the last minute
 */
public record FleetOverview(Instant at, long recentMinutes, Devices vehicles, Devices meters, IngestRate ingest) {

    /** @param known every device of the kind that has reported; {@code reporting}, those that did recently */
    public record Devices(long reporting, long known) {
    }

    /** Readings per second over {@code seconds}: newly stored, already stored, refused. */
    public record IngestRate(double storedPerSecond, double duplicatePerSecond, double rejectedPerSecond, double seconds) {

        public static final IngestRate NONE = new IngestRate(0, 0, 0, 0);
    }
}
