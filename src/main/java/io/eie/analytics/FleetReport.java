package io.eie.analytics;

import java.math.BigDecimal;
import java.util.List;

/**
 * Every linked or reporting vehicle's charging efficiency over a window of whole hours, worst
 * first: the answer of {@code GET /v1/analytics/fleet/efficiency}.
 *
 * @param threshold  efficiency below this is {@code low_efficiency}
 * @param minKwh     a vehicle is judged (flagged low or impossible) only once its AC or linked DC reaches this
 * @param tolerance  how far DC may exceed AC (a share of AC) before the pair is {@code impossible_efficiency}
 * @param summary    counts over the whole fleet, whatever the page and the flag filter
 * @param vehicles   this page
 * @param nextCursor where the next page starts, or {@code null} on the last page
 */
public record FleetReport(PerformanceReport.Window window, BigDecimal threshold, BigDecimal minKwh, BigDecimal tolerance,
                          Summary summary, List<Row> vehicles, String nextCursor) {

    /** What a row's {@code flags} may hold. */
    public enum Flag {
        LOW_EFFICIENCY("low_efficiency"),
        IMPOSSIBLE_EFFICIENCY("impossible_efficiency"),
        NO_METER_LINK("no_meter_link"),
        MISSING_METER_DATA("missing_meter_data"),
        MISSING_VEHICLE_DATA("missing_vehicle_data");

        private final String label;

        Flag(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public static java.util.Optional<Flag> fromLabel(String label) {
            for (Flag flag : values()) {
                if (flag.label.equals(label)) {
                    return java.util.Optional.of(flag);
                }
            }
            return java.util.Optional.empty();
        }
    }

    /** How many vehicles the window holds, and how many carry each flag. */
    public record Summary(long vehicles, long lowEfficiency, long impossibleEfficiency, long noMeterLink,
                          long missingMeterData, long missingVehicleData) {
    }

    /**
     * One vehicle over the window.
     *
     * @param meterIds                the meters linked to it in the window, oldest link first
     * @param totalEnergyConsumedAc   AC of the linked meters over the hours their links cover
     * @param linkedEnergyDeliveredDc DC over the hours a link covers: what the AC is compared with
     * @param efficiencyRatio         linked DC ÷ AC to four decimals; {@code null} without AC
     * @param coverage                the share of the window's minutes so far in which both the vehicle and
     *                                its linked meter reported (1 at a report a minute with no gaps)
     * @param flags                   what deserves a look, as {@link Flag} labels
     */
    public record Row(String vehicleId, List<String> meterIds, BigDecimal totalEnergyConsumedAc,
                      BigDecimal totalEnergyDeliveredDc, BigDecimal linkedEnergyDeliveredDc, BigDecimal efficiencyRatio,
                      Double avgBatteryTemp, long vehicleReadings, long meterReadings, double coverage,
                      PerformanceReport.RegisterResets registerResets, List<String> flags) {
    }
}
