package io.eie.analytics;

import java.math.BigDecimal;
import java.time.Instant;

/** The latest state of one device, from the hot tables. */
public final class LiveStatus {

    private LiveStatus() {
    }

    /** @param lastReadingAt the device time of the reading; {@code receivedAt} when the engine got it */
    public record Vehicle(String vehicleId, double soc, BigDecimal kwhDeliveredDc, double batteryTemp,
                          Instant lastReadingAt, Instant receivedAt) {
    }

    public record Meter(String meterId, BigDecimal kwhConsumedAc, double voltage, Instant lastReadingAt,
                        Instant receivedAt) {
    }
}
