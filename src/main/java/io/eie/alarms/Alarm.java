package io.eie.alarms;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * One alarm as the API shows it: a rule's condition holding for one device from {@code raisedAt}
 * until {@code clearedAt} ({@code state} active or cleared), with the value that raised it, the
 * latest, and who acknowledged it. Values are in {@code unit}.
 *
 * @param events what happened to it, oldest first; only when one alarm is asked for
 */
public record Alarm(long id, String rule, String deviceKind, String deviceId, String state, String unit,
                    Instant raisedAt, BigDecimal raisedValue, BigDecimal latestValue, Instant latestAt,
                    Acknowledgement acknowledged, Instant clearedAt, BigDecimal clearedValue,
                    @JsonInclude(JsonInclude.Include.NON_NULL) List<Event> events) {

    /** Who acknowledged the alarm, and when. */
    public record Acknowledgement(Instant at, String by) {
    }

    /**
     * Something that happened to an alarm: {@code raised}, {@code acknowledged} or {@code cleared}.
     *
     * @param id unique among all alarm events, and a receiver's key to drop a duplicate
     */
    public record Event(long id, String type, Instant at, BigDecimal value, String by, List<Delivery> deliveries) {
    }

    /**
     * One event's delivery to one target ({@code mqtt} or a webhook's URL, shown without
     * credentials or query).
     *
     * @param state {@code delivered} or {@code pending} (with the last attempt's error, if it failed)
     */
    public record Delivery(String target, String state, int attempts, Instant deliveredAt, Instant nextAttemptAt,
                           String lastError) {
    }

    Alarm withEvents(List<Event> events) {
        return new Alarm(id, rule, deviceKind, deviceId, state, unit, raisedAt, raisedValue, latestValue, latestAt,
                acknowledged, clearedAt, clearedValue, events);
    }
}
