package io.eie.alarms;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * What a webhook receives (as its JSON body) and the broker carries (as the payload on
 * {@code alarms/<deviceId>}) for one alarm event. Made only of what never changes once the event
 * happened, so that every attempt sends the same bytes under the same signature.
 *
 * @param id   the event's id: unique, and the key a receiver drops a duplicate by
 * @param type {@code raised}, {@code acknowledged} or {@code cleared}
 * @param by   who acknowledged it, for an acknowledgement
 */
public record Notification(long id, String type, Instant at, BigDecimal value, String by, Subject alarm) {

    /** The alarm the event is about. */
    public record Subject(long id, String rule, String deviceKind, String deviceId, String unit, Instant raisedAt,
                          BigDecimal raisedValue) {
    }
}
