package io.eie.telemetry;

import java.time.Instant;
import java.util.List;

/**
 * A payload that was refused, kept so that an operator can see what devices send.
 *
 * @param envelope where and when it came in
 * @param kind     the kind of device it came from, when that can be told; {@code null} otherwise
 * @param deviceId the device it names, when it names one in a usable form; else {@code null}
 * @param payload  what was refused: the whole envelope's payload, or one item of an HTTP array
 *                 (the store caps how many bytes it keeps)
 */
public record Rejection(Envelope envelope, DeviceKind kind, String deviceId, byte[] payload, List<Problem> problems) {

    public Rejection {
        problems = List.copyOf(problems);
    }

    /** The whole envelope, refused for these problems before any device could be told. */
    public static Rejection of(Envelope envelope, List<Problem> problems) {
        return new Rejection(envelope, null, null, envelope.payload(), problems);
    }

    /** The whole envelope, refused for what the parser found in it. */
    public static Rejection of(Envelope envelope, ParseResult.Invalid invalid) {
        return of(envelope, invalid, envelope.payload());
    }

    /** One item of the envelope (an element of an HTTP array), refused for what the parser found in it. */
    public static Rejection of(Envelope envelope, ParseResult.Invalid invalid, byte[] item) {
        return new Rejection(envelope, invalid.kind(), invalid.deviceId(), item, invalid.problems());
    }

    /** A reading that passed validation and that the database refused, kept as the engine read it. */
    public static Rejection ofReading(Envelope envelope, Reading reading, List<Problem> problems) {
        return new Rejection(envelope, reading.kind(), reading.deviceId(),
                reading.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8), problems);
    }

    /**
     * This rejection with nothing but its payload and these reasons: what is left to record when the
     * database refused the full record (its topic or device id may be what it refused).
     */
    public Rejection bare(List<Problem> reasons) {
        return new Rejection(envelope.withoutTopic(), kind, null, payload, reasons);
    }

    public Source source() {
        return envelope.source();
    }

    /** The MQTT topic it was published to; {@code null} for HTTP. */
    public String topic() {
        return envelope.topic();
    }

    public Instant receivedAt() {
        return envelope.receivedAt();
    }
}
