package io.eie.alarms;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * How the alarm rules judge. The efficiency threshold, the energy needed to judge and the
 * tolerance of impossible efficiency are the analytics' own ({@code AnalyticsSettings}).
 *
 * @param evaluateEvery        how often the rules are evaluated
 * @param efficiencyWindow     the trailing window of the efficiency rules, in whole hours
 * @param efficiencyHysteresis how far above the threshold efficiency must rise to clear low_efficiency
 * @param silentAfter          how long a device may send nothing before it is silent
 * @param batteryMaxTemp       the battery temperature (°C) a vehicle must stay at or below
 * @param batteryReadings      how many readings in a row above it raise the alarm (and at or below, clear it)
 * @param notifications        where each alarm event is delivered
 */
public record AlarmSettings(Duration evaluateEvery, Duration efficiencyWindow, BigDecimal efficiencyHysteresis,
                            Duration silentAfter, BigDecimal batteryMaxTemp, int batteryReadings,
                            NotificationSettings notifications) {

    public static final AlarmSettings DEFAULTS = new AlarmSettings(Duration.ofMinutes(1), Duration.ofHours(24),
            new BigDecimal("0.05"), Duration.ofMinutes(5), new BigDecimal("55"), 3, NotificationSettings.DEFAULTS);
}
