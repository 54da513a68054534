package io.eie.analytics;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * One vehicle's charging, bucket by bucket, for charts: the answer of
 * {@code GET /v1/analytics/performance/{vehicleId}/series}. Every bucket of the window is
 * there, empty ones included.
 *
 * @param bucket the length of each bucket, such as {@code 1h}
 */
public record SeriesReport(String vehicleId, PerformanceReport.Window window, String bucket, BigDecimal threshold,
                           List<Point> points) {

    /**
     * One bucket {@code [from, to)}.
     *
     * @param efficiencyRatio linked DC ÷ AC to four decimals; {@code null} without AC
     * @param lastSoc         the state of charge of the bucket's last vehicle reading
     */
    public record Point(Instant from, Instant to, BigDecimal totalEnergyConsumedAc, BigDecimal totalEnergyDeliveredDc,
                        BigDecimal linkedEnergyDeliveredDc, BigDecimal efficiencyRatio, Double avgBatteryTemp,
                        Double maxBatteryTemp, Double lastSoc, long vehicleReadings, long meterReadings,
                        PerformanceReport.RegisterResets registerResets) {
    }
}
