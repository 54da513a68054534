package io.eie.telemetry;

import java.time.Instant;
import java.util.List;

/**
 * A payload that was refused, kept so that an operator can see what devices send.
 *
 * @param kind     the kind of device it came from, when that can be told; {@code null} otherwise
 * @param topic    the MQTT topic it was published to; {@code null} over HTTP
 * @param deviceId the device it names, when it names one in a usable form; else {@code null}
 * @param payload  the bytes as received (the store caps how many it keeps)
 */
public record Rejection(Source source, DeviceKind kind, String topic, String deviceId, byte[] payload, List<Problem> problems,
                        Instant receivedAt) {

    public Rejection {
        problems = List.copyOf(problems);
    }
}
