package io.eie.telemetry;

import java.time.Instant;
import java.util.List;

/**
 * A payload that was refused, kept so that an operator can see what devices send.
 *
 * @param topic    the MQTT topic it was published to; {@code null} over HTTP
 * @param deviceId the device it names, when it names one in a usable form; else {@code null}
 * @param payload  the bytes as received (the store caps how many it keeps)
 */
public record Rejection(Source source, String topic, String deviceId, byte[] payload, List<Problem> problems,
                        Instant receivedAt) {

    public Rejection {
        problems = List.copyOf(problems);
    }
}
