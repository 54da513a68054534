package io.eie.telemetry;

import java.time.Instant;

/**
 * What came in at a door, before anything is made of it: an MQTT message or an HTTP ingest body.
 *
 * @param topic      the MQTT topic it was published to; {@code null} for HTTP, which has none
 * @param payload    the bytes as received
 * @param receivedAt when the engine received it
 */
public record Envelope(Source source, String topic, byte[] payload, Instant receivedAt) {

    public static Envelope mqtt(String topic, byte[] payload, Instant receivedAt) {
        return new Envelope(Source.MQTT, topic, payload, receivedAt);
    }

    public static Envelope http(byte[] body, Instant receivedAt) {
        return new Envelope(Source.HTTP, null, body, receivedAt);
    }

    /** The same, but for the topic: for a record that must not carry what the database refused. */
    public Envelope withoutTopic() {
        return new Envelope(source, null, payload, receivedAt);
    }
}
