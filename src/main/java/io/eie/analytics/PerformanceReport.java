package io.eie.analytics;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * How efficiently one vehicle charged over a window: the answer of
 * {@code GET /v1/analytics/performance/{vehicleId}}.
 *
 * @param meterIds        the meters linked to the vehicle at some time in the window, oldest link first
 * @param latestSnapshot  the vehicle's live state, or {@code null} before its first reading
 */
public record PerformanceReport(String vehicleId, List<String> meterIds, Window window, Metrics metrics,
                                boolean efficiencyAlert, Snapshot latestSnapshot) {

    /** The half-open span {@code [from, to)} of device time the metrics cover. */
    public record Window(Instant from, Instant to) {
    }

    /**
     * @param totalEnergyConsumedAc   AC drawn by the linked meters, each over the part of the window its link covers
     * @param totalEnergyDeliveredDc  DC delivered into the battery over the whole window
     * @param linkedEnergyDeliveredDc DC delivered over the parts of the window a meter link covers: what
     *                                the AC is compared with (equal to the total when links cover the window)
     * @param efficiencyRatio         linked DC ÷ AC to four decimals; {@code null} when no AC was drawn
     * @param avgBatteryTemp          mean battery temperature, {@code null} without vehicle readings
     * @param registerResets          counter resets seen in the energy registers of devices that report one
     */
    public record Metrics(BigDecimal totalEnergyConsumedAc, BigDecimal totalEnergyDeliveredDc,
                          BigDecimal linkedEnergyDeliveredDc, BigDecimal efficiencyRatio, Double avgBatteryTemp,
                          long vehicleReadings, long meterReadings, RegisterResets registerResets) {
    }

    /** How often a register went down (and was counted from its new value): in the vehicle's, and in its meters'. */
    public record RegisterResets(long vehicle, long meters) {
    }

    /** @param meter the live state of the meter currently linked, or {@code null} */
    public record Snapshot(Double soc, Double batteryTemp, BigDecimal kwhDeliveredDc, Instant lastReadingAt,
                           MeterSnapshot meter) {
    }

    public record MeterSnapshot(String meterId, Double voltage, BigDecimal kwhConsumedAc, Instant lastReadingAt) {
    }
}
