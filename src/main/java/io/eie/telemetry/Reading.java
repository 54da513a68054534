package io.eie.telemetry;

import java.time.Instant;

/** One validated reading from one device at one instant of its own clock. */
public sealed interface Reading permits MeterReading, VehicleReading {

    DeviceKind kind();

    String deviceId();

    /** Event time: the device's own timestamp, kept to the microsecond. */
    Instant timestamp();

    /** The reading in the wire format, with its {@code type}: what a device would have sent. */
    String toJson();
}
