package io.eie.alarms;

import static io.eie.alarms.Notifier.instant;
import static io.eie.alarms.Notifier.plain;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.locator.ClasspathSqlLocator;
import org.jdbi.v3.core.mapper.RowMapper;

/** The alarms kept in PostgreSQL, as operators read and acknowledge them. */
public final class Alarms {

    private static final ClasspathSqlLocator SQL = ClasspathSqlLocator.create();
    private static final String PAGE = SQL.locate(Alarms.class, "page");
    private static final String ONE = SQL.locate(Alarms.class, "one");
    private static final String EVENTS = SQL.locate(Alarms.class, "events");
    private static final String ACKNOWLEDGE = SQL.locate(Alarms.class, "acknowledge");
    private static final String DELIVERIES = SQL.locate(Notifier.class, "ofEvents");

    /**
     * Which alarms to list, newest first.
     *
     * @param state        {@code active} (not cleared), {@code cleared} or {@code all}
     * @param rule         only this rule's; {@code null} for every rule
     * @param deviceId     only this device's; {@code null} for every device
     * @param acknowledged only those acknowledged ({@code true}) or not ({@code false}); {@code null} for both
     * @param from         only alarms open at some time in [from, to)
     * @param beforeId     only alarms raised before this one (the previous page's last id)
     */
    public record Query(String state, AlarmRule rule, String deviceId, Boolean acknowledged, Instant from, Instant to,
                        long beforeId, int limit) {
    }

    private static final RowMapper<Alarm> ALARM = (rs, ctx) -> {
        String rule = rs.getString("rule");
        Instant acknowledgedAt = instant(rs, "acknowledged_at");
        Instant clearedAt = instant(rs, "cleared_at");
        return new Alarm(rs.getLong("id"), rule, rs.getString("device_kind"), rs.getString("device_id"),
                clearedAt == null ? "active" : "cleared", AlarmRule.fromLabel(rule).map(AlarmRule::unit).orElse(null),
                instant(rs, "raised_at"), plain(rs.getBigDecimal("raised_value")), plain(rs.getBigDecimal("latest_value")),
                instant(rs, "latest_at"),
                acknowledgedAt == null ? null : new Alarm.Acknowledgement(acknowledgedAt, rs.getString("acknowledged_by")),
                clearedAt, plain(rs.getBigDecimal("cleared_value")), null);
    };

    private final Jdbi jdbi;
    private final List<String> targets;
    private final MeterRegistry metrics;

    /** @param targets where each event (an acknowledgement, here) is delivered ({@link NotificationSettings#targets()}) */
    public Alarms(Jdbi jdbi, List<String> targets, MeterRegistry metrics) {
        this.jdbi = jdbi;
        this.targets = List.copyOf(targets);
        this.metrics = metrics;
    }

    public List<Alarm> page(Query query) {
        return jdbi.withHandle(handle -> handle.createQuery(PAGE)
                .bind("state", query.state())
                .bind("rule", query.rule() == null ? null : query.rule().label())
                .bind("deviceId", query.deviceId())
                .bind("acknowledged", query.acknowledged())
                .bind("from", query.from()).bind("to", query.to())
                .bind("before", query.beforeId()).bind("limit", query.limit())
                .map(ALARM).list());
    }

    /** The alarm with its events and their deliveries; empty when there is no such alarm. */
    public Optional<Alarm> find(long id) {
        return jdbi.withHandle(handle -> handle.createQuery(ONE).bind("id", id).map(ALARM).findOne().map(alarm -> {
            record EventDelivery(long eventId, Alarm.Delivery delivery) {
            }
            Map<Long, List<Alarm.Delivery>> deliveries = new HashMap<>();
            handle.createQuery(DELIVERIES).bind("alarmId", id).map((rs, ctx) -> {
                Instant delivered = instant(rs, "delivered_at");
                return new EventDelivery(rs.getLong("event_id"), new Alarm.Delivery(NotificationSettings.shown(rs.getString("target")),
                        delivered == null ? "pending" : "delivered", rs.getInt("attempts"), delivered,
                        delivered == null ? instant(rs, "next_attempt_at") : null, rs.getString("last_error")));
            }).forEach(row -> deliveries.computeIfAbsent(row.eventId(), event -> new ArrayList<>()).add(row.delivery()));
            return alarm.withEvents(handle.createQuery(EVENTS).bind("id", id)
                    .map((rs, ctx) -> new Alarm.Event(rs.getLong("id"), rs.getString("type"), instant(rs, "at"),
                            plain(rs.getBigDecimal("value")), rs.getString("actor"),
                            deliveries.getOrDefault(rs.getLong("id"), List.of())))
                    .list());
        }));
    }

    /**
     * Acknowledges the alarm by {@code actor} at {@code now}, active or cleared; an alarm already
     * acknowledged keeps who did it first. Empty when there is no such alarm.
     */
    public Optional<Alarm> acknowledge(long id, String actor, Instant now) {
        Optional<String> acknowledged = jdbi.withHandle(handle -> handle.createQuery(ACKNOWLEDGE)
                .bind("id", id).bind("actor", actor).bind("now", now).bindArray("targets", String.class, targets)
                .map((rs, ctx) -> rs.getString("rule")).findOne());
        acknowledged.ifPresent(rule -> events(metrics, rule, "acknowledged").increment());
        return find(id);
    }

    /** The counter of one rule's events of one type (raised, acknowledged, cleared). */
    static Counter events(MeterRegistry metrics, String rule, String type) {
        return Counter.builder("eie_alarm_events")
                .description("Alarm events, by rule and type (raised, acknowledged, cleared)")
                .tag("rule", rule).tag("type", type)
                .register(metrics);
    }
}
