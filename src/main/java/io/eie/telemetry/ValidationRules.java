package io.eie.telemetry;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * The configurable limits a reading is checked against.
 *
 * @param maxKwhPerReading the largest energy one reading may carry (the energy of one interval)
 * @param maxFutureSkew    how far ahead of the engine's clock a device's timestamp may be
 * @param retention        how far back a timestamp may be; older history is dropped anyway
 * @param maxRegisterKwh   the largest value of a cumulative energy register
 */
public record ValidationRules(BigDecimal maxKwhPerReading, Duration maxFutureSkew, Duration retention,
                              BigDecimal maxRegisterKwh) {

    public static final ValidationRules DEFAULTS = new ValidationRules(new BigDecimal("1000"), Duration.ofMinutes(5),
            Duration.ofDays(90), new BigDecimal("1000000000"));
}
