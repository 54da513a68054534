package io.eie.analytics;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * @param efficiencyThreshold an efficiency (DC ÷ AC) below this raises the alert
 * @param defaultWindow       the window ending now when the caller names none
 * @param maxWindow           the longest window one query may cover
 * @param minJudgedKwh        the fleet view judges a vehicle's efficiency (low, impossible) only once its AC
 *                            or linked DC over the window reaches this; less is too little to tell
 * @param impossibleTolerance how far DC may exceed AC, as a share of AC, before the pair is flagged
 *                            impossible (meters are accurate to a percent or two; more is a wrong link,
 *                            a clock or a unit)
 */
public record AnalyticsSettings(BigDecimal efficiencyThreshold, Duration defaultWindow, Duration maxWindow,
                                BigDecimal minJudgedKwh, BigDecimal impossibleTolerance) {

    public static final AnalyticsSettings DEFAULTS = new AnalyticsSettings(new BigDecimal("0.85"), Duration.ofHours(24),
            Duration.ofDays(31), BigDecimal.ONE, new BigDecimal("0.02"));
}
