package io.eie.telemetry;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A vehicle's report: state of charge, DC energy delivered into the battery since its previous
 * report, and battery temperature.
 */
public record VehicleReading(String vehicleId, Instant timestamp, double soc, BigDecimal kwhDeliveredDc, double batteryTemp)
        implements Reading {

    @Override
    public DeviceKind kind() {
        return DeviceKind.VEHICLE;
    }

    @Override
    public String deviceId() {
        return vehicleId;
    }

    @Override
    public String toJson() {
        return "{\"type\":\"vehicle\",\"vehicleId\":\"" + vehicleId + "\",\"soc\":" + soc + ",\"kwhDeliveredDc\":"
                + kwhDeliveredDc.toPlainString() + ",\"batteryTemp\":" + batteryTemp + ",\"timestamp\":\"" + timestamp + "\"}";
    }
}
