package io.eie.telemetry;

/** A device as a topic names it: {@code meters/M2001} is {@code (METER, "M2001")}. */
public record DeviceRef(DeviceKind kind, String id) {
}
