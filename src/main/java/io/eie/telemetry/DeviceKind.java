package io.eie.telemetry;

import java.util.Optional;

/** The two kinds of device that report telemetry, with the names each uses on the wire. */
public enum DeviceKind {
    METER("meter", "meters", "meterId"),
    VEHICLE("vehicle", "vehicles", "vehicleId");

    private final String typeName;
    private final String topicSegment;
    private final String idField;

    DeviceKind(String typeName, String topicSegment, String idField) {
        this.typeName = typeName;
        this.topicSegment = topicSegment;
        this.idField = idField;
    }

    /** The value of the optional {@code "type"} field: {@code meter} or {@code vehicle}. */
    public String typeName() {
        return typeName;
    }

    /** The first topic level this kind publishes under: {@code meters} or {@code vehicles}. */
    public String topicSegment() {
        return topicSegment;
    }

    /** The JSON field that carries the device id: {@code meterId} or {@code vehicleId}. */
    public String idField() {
        return idField;
    }

    public DeviceKind other() {
        return this == METER ? VEHICLE : METER;
    }

    public static Optional<DeviceKind> fromTypeName(String typeName) {
        for (DeviceKind kind : values()) {
            if (kind.typeName.equals(typeName)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    public static Optional<DeviceKind> fromTopicSegment(String segment) {
        for (DeviceKind kind : values()) {
            if (kind.topicSegment.equals(segment)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
