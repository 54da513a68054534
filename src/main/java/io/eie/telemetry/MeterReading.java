package io.eie.telemetry;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A smart meter's report: AC energy drawn from the grid since its previous report, and the
 * line voltage.
 */
public record MeterReading(String meterId, Instant timestamp, BigDecimal kwhConsumedAc, double voltage)
        implements Reading {

    @Override
    public DeviceKind kind() {
        return DeviceKind.METER;
    }

    @Override
    public String deviceId() {
        return meterId;
    }

    @Override
    public String toJson() {
        return "{\"type\":\"meter\",\"meterId\":\"" + meterId + "\",\"kwhConsumedAc\":" + kwhConsumedAc.toPlainString()
                + ",\"voltage\":" + voltage + ",\"timestamp\":\"" + timestamp + "\"}";
    }
}
