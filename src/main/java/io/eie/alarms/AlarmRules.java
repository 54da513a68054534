package io.eie.alarms;

import io.eie.analytics.AnalyticsSettings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.locator.ClasspathSqlLocator;
import org.jdbi.v3.core.statement.Query;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates every alarm rule over the whole fleet, from what the writer already keeps (the hourly
 * rollups, the live rows, a hot vehicle's last readings), and raises, updates and clears alarms
 * in one transaction. One engine instance evaluates at a time (an advisory lock; the others skip
 * their turn), and the database keeps one open alarm per rule and device whatever happens.
 */
public final class AlarmRules {

    private static final Logger log = LoggerFactory.getLogger(AlarmRules.class);
    private static final ClasspathSqlLocator SQL = ClasspathSqlLocator.create();
    private static final String TRY_LOCK = SQL.locate(AlarmRules.class, "tryLock");
    private static final String APPLY = SQL.locate(AlarmRules.class, "apply");
    private static final String OPEN_BY_RULE = SQL.locate(AlarmRules.class, "openByRule");
    /** The verdicts of both efficiency rules, from one read of the rollups. */
    private static final String EFFICIENCY = SQL.locate(AlarmRules.class, "efficiency");
    private static final String SILENT = SQL.locate(AlarmRules.class, "silent");
    private static final String BATTERY_TEMPERATURE = SQL.locate(AlarmRules.class, "batteryTemperature");
    /** The advisory lock of evaluation: "EIEA". */
    private static final long LOCK_KEY = 0x45494541L;

    /** What one evaluation did: whether this instance evaluated, and the alarms raised and cleared by rule. */
    public record Evaluation(boolean evaluated, Map<AlarmRule, Integer> raised, Map<AlarmRule, Integer> cleared) {

        static final Evaluation SKIPPED = new Evaluation(false, Map.of(), Map.of());
    }

    private final Jdbi jdbi;
    private final List<String> targets;
    private final AlarmSettings settings;
    private final AnalyticsSettings analytics;
    private final BooleanSupplier hearing;
    private final Instant startedAt;
    private final Timer evaluationTime;
    private final Map<AlarmRule, AtomicLong> open = new EnumMap<>(AlarmRule.class);
    private final MeterRegistry metrics;

    /**
     * @param hearing    whether the engine hears devices as they send: connected to the broker,
     *                   and the writers without a backlog (else the live rows lag behind what
     *                   devices sent); silence is judged only then
     * @param startedAt  when the engine started: silence is judged only once it has been up for
     *                   longer than a device may be silent, so that a restart raises nothing
     */
    public AlarmRules(Jdbi jdbi, AlarmSettings settings, AnalyticsSettings analytics, BooleanSupplier hearing,
                      Instant startedAt, MeterRegistry metrics) {
        this.jdbi = jdbi;
        this.targets = settings.notifications().targets();
        this.settings = settings;
        this.analytics = analytics;
        this.hearing = hearing;
        this.startedAt = startedAt;
        this.metrics = metrics;
        this.evaluationTime = Timer.builder("eie_alarm_evaluation")
                .description("Time taken to evaluate every alarm rule over the fleet")
                .register(metrics);
        for (AlarmRule rule : AlarmRule.values()) {
            AtomicLong count = new AtomicLong();
            open.put(rule, count);
            Gauge.builder("eie_alarms_active", count, AtomicLong::get)
                    .description("Alarms raised and not yet cleared, by rule")
                    .tag("rule", rule.label())
                    .register(metrics);
        }
    }

    /** Evaluates every rule at {@code now}; skips when another instance is evaluating. */
    public Evaluation evaluate(Instant now) {
        long began = System.nanoTime();
        Evaluation evaluation = jdbi.inTransaction(handle -> {
            if (!handle.createQuery(TRY_LOCK).bind("key", LOCK_KEY).mapTo(Boolean.class).one()) {
                return Evaluation.SKIPPED;
            }
            Map<AlarmRule, Integer> raised = new EnumMap<>(AlarmRule.class);
            Map<AlarmRule, Integer> cleared = new EnumMap<>(AlarmRule.class);
            Instant to = now.truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS);
            apply(handle.createQuery(APPLY).define("verdicts", EFFICIENCY)
                    .bind("from", to.minus(settings.efficiencyWindow())).bind("to", to)
                    .bind("threshold", analytics.efficiencyThreshold()).bind("hysteresis", settings.efficiencyHysteresis())
                    .bind("tolerance", analytics.impossibleTolerance()).bind("minKwh", analytics.minJudgedKwh()),
                    now, raised, cleared);
            if (judgesSilence(now)) {
                apply(handle.createQuery(APPLY).define("verdicts", SILENT)
                        .bind("silentSeconds", settings.silentAfter().toSeconds()), now, raised, cleared);
            }
            apply(handle.createQuery(APPLY).define("verdicts", BATTERY_TEMPERATURE)
                    .bind("maxTemp", settings.batteryMaxTemp()).bind("readings", settings.batteryReadings()),
                    now, raised, cleared);
            handle.createQuery(OPEN_BY_RULE).map((rs, ctx) -> Map.entry(rs.getString("rule"), rs.getLong("open")))
                    .list().forEach(entry -> AlarmRule.fromLabel(entry.getKey())
                            .ifPresent(rule -> open.get(rule).set(entry.getValue())));
            return new Evaluation(true, raised, cleared);
        });
        if (evaluation.evaluated()) {
            evaluationTime.record(Duration.ofNanos(System.nanoTime() - began));
            count(evaluation.raised(), "raised");
            count(evaluation.cleared(), "cleared");
        }
        return evaluation;
    }

    private boolean judgesSilence(Instant now) {
        return !now.isBefore(startedAt.plus(settings.silentAfter())) && hearing.getAsBoolean();
    }

    /** Runs apply.sql over one query's verdicts, and adds the alarms it raised and cleared by rule. */
    private void apply(Query query, Instant now, Map<AlarmRule, Integer> raised, Map<AlarmRule, Integer> cleared) {
        record Events(String rule, String type, int count) {
        }
        query.bind("now", now).bindArray("targets", String.class, targets)
                .map((rs, ctx) -> new Events(rs.getString("rule"), rs.getString("type"), rs.getInt("events")))
                .forEach(events -> AlarmRule.fromLabel(events.rule()).ifPresent(rule -> {
                    (events.type().equals("raised") ? raised : cleared).merge(rule, events.count(), Integer::sum);
                    log.info("Alarms {}: {} {}", rule.label(), events.count(), events.type());
                }));
    }

    private void count(Map<AlarmRule, Integer> byRule, String type) {
        byRule.forEach((rule, n) -> {
            if (n > 0) {
                Alarms.events(metrics, rule.label(), type).increment(n);
            }
        });
    }
}
