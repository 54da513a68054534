package io.eie.storage;

import com.fasterxml.jackson.annotation.JsonRawValue;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.locator.ClasspathSqlLocator;

/**
 * What was refused, for an operator to see what devices send: {@code rejected_telemetry} read
 * in pages, oldest first, in {@code (received_at, id)} order.
 */
public final class RejectionLog {

    private static final String PAGE = ClasspathSqlLocator.create().locate(RejectionLog.class, "page");

    /**
     * One refused message or reading.
     *
     * @param payload         as received, cut to the configured size; UTF-8 text, or base64 when it was not valid UTF-8
     * @param payloadEncoding {@code utf-8} or {@code base64}
     * @param payloadSize     the size of the whole payload, in bytes
     * @param reasons         every problem found, each {@code {"field", "message"}}
     */
    public record Entry(long id, Instant receivedAt, String source, String topic, String deviceId, String payload,
                        String payloadEncoding, int payloadSize, boolean payloadTruncated,
                        @JsonRawValue String reasons) {
    }

    private final Jdbi jdbi;

    public RejectionLog(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * Up to {@code limit} rejections received at or after {@code since}, oldest first; with a
     * cursor ({@code afterId}, from the last entry of the previous page, whose receipt time is
     * then {@code since}), those after it.
     *
     * @param deviceId only this device's, or every device's when {@code null}
     */
    public List<Entry> page(Instant since, long afterId, String deviceId, int limit) {
        return jdbi.withHandle(handle -> handle.createQuery(PAGE)
                .bind("since", since)
                .bind("afterId", afterId)
                .bind("deviceId", deviceId)
                .bind("limit", limit)
                .map((rs, ctx) -> {
                    byte[] payload = rs.getBytes("payload");
                    int size = rs.getInt("payload_size");
                    String text = utf8(payload, payload.length < size);
                    return new Entry(rs.getLong("id"), rs.getObject("received_at", OffsetDateTime.class).toInstant(),
                            rs.getString("source"), rs.getString("topic"), rs.getString("device_id"),
                            text != null ? text : Base64.getEncoder().encodeToString(payload),
                            text != null ? "utf-8" : "base64", size, payload.length < size, rs.getString("reasons"));
                })
                .list());
    }

    /**
     * The bytes as text when they are valid UTF-8, else {@code null}. A payload cut to size may
     * end inside a character (up to three bytes of it): that tail is left out.
     */
    static String utf8(byte[] bytes, boolean cut) {
        for (int tail = 0; tail <= (cut ? Math.min(3, bytes.length) : 0); tail++) {
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes, 0, bytes.length - tail))
                        .toString();
            } catch (CharacterCodingException e) {
                // try without one more byte of the tail, if cut
            }
        }
        return null;
    }
}
