package io.eie.analytics;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.locator.ClasspathSqlLocator;
import org.jdbi.v3.core.statement.Query;

/**
 * Analytics over whole hours, read from the hourly rollups the writer keeps ({@code
 * meter_hourly}, {@code vehicle_hourly}) rather than from history: the whole fleet's efficiency in
 * one query, and one vehicle's hours for charts. A link counts for the hours whose start it
 * covers.
 */
public final class HourlyAnalytics {

    /** Where a page of the fleet starts: after this vehicle in the order of the list. */
    public record Cursor(int group, BigDecimal efficiency, String vehicleId) {

        /** An opaque, URL-safe form for the {@code cursor} parameter. */
        public String encode() {
            String plain = group + "|" + (efficiency == null ? "" : efficiency.toPlainString()) + "|" + vehicleId;
            return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
        }

        /** The cursor this text encodes; empty when it is not one. */
        public static Optional<Cursor> decode(String text) {
            try {
                String plain = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
                String[] parts = plain.split("\\|", 3);
                if (parts.length != 3 || parts[2].isEmpty()) {
                    return Optional.empty();
                }
                int group = Integer.parseInt(parts[0]);
                BigDecimal efficiency = parts[1].isEmpty() ? null : new BigDecimal(parts[1]);
                return group == 0 || group == 1 ? Optional.of(new Cursor(group, efficiency, parts[2])) : Optional.empty();
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
    }

    /**
     * What to list: the window (whole hours), the thresholds, a page; and the time now, for
     * coverage, which counts the minutes of the window that have passed.
     */
    public record FleetQuery(Instant from, Instant to, BigDecimal threshold, FleetReport.Flag flag, int limit,
                             Cursor after, Instant now) {
    }

    private static final ClasspathSqlLocator SQL = ClasspathSqlLocator.create();
    /** A page of the fleet, worst efficiency first, with the counts of the whole fleet. */
    static final String FLEET = SQL.locate(HourlyAnalytics.class, "fleet");
    /** One vehicle's buckets over a window, empty ones too. */
    static final String SERIES = SQL.locate(HourlyAnalytics.class, "series");
    private static final String JIT_OFF = SQL.locate(HourlyAnalytics.class, "jitOff");
    private static final String CUSTOM_PLANS = SQL.locate(HourlyAnalytics.class, "customPlans");

    private final Jdbi jdbi;
    private final AnalyticsSettings settings;

    public HourlyAnalytics(Jdbi jdbi, AnalyticsSettings settings) {
        this.jdbi = jdbi;
        this.settings = settings;
    }

    public AnalyticsSettings settings() {
        return settings;
    }

    /** A page of the fleet's efficiency over {@code [from, to)}, a window of whole hours. */
    public FleetReport fleet(FleetQuery query) {
        Cursor after = query.after() == null ? new Cursor(-1, null, "") : query.after();
        record Listed(FleetReport.Row row, boolean onPage, Cursor position, FleetReport.Summary summary) {
        }
        List<Listed> listed = jdbi.inTransaction(handle -> {
            handle.execute(JIT_OFF);
            handle.execute(CUSTOM_PLANS);
            Query sql = handle.createQuery(FLEET)
                    .bind("flag", query.flag() == null ? null : query.flag().label())
                    .bind("from", query.from()).bind("to", query.to())
                    .bind("threshold", query.threshold())
                    .bind("minKwh", settings.minJudgedKwh())
                    .bind("tolerance", settings.impossibleTolerance())
                    .bind("afterGroup", after.group())
                    .bind("afterEfficiency", after.efficiency() == null ? "Infinity" : after.efficiency().toPlainString())
                    .bind("afterVehicle", after.vehicleId())
                    .bind("limit", query.limit());
            Instant end = query.to().isAfter(query.now()) ? query.now() : query.to();
            // the minute under way counts once a reading is in it: minutes begun, not minutes ended
            long minutes = Math.max(1, (Duration.between(query.from(), end).toNanos() + 59_999_999_999L) / 60_000_000_000L);
            return sql.map((rs, ctx) -> new Listed(row(rs, minutes), rs.getBoolean("on_page"), position(rs),
                    summary(rs))).list();
        });

        FleetReport.Summary summary = listed.isEmpty() ? new FleetReport.Summary(0, 0, 0, 0, 0, 0) : listed.get(0).summary();
        List<FleetReport.Row> page = new ArrayList<>();
        Cursor last = null;
        boolean more = false;
        for (Listed item : listed) {
            if (!item.onPage()) {
                break;
            }
            if (page.size() == query.limit()) {
                more = true;
                break;
            }
            page.add(item.row());
            last = item.position();
        }
        return new FleetReport(new PerformanceReport.Window(query.from(), query.to()), query.threshold(),
                settings.minJudgedKwh(), settings.impossibleTolerance(), summary, page,
                more ? last.encode() : null);
    }

    /**
     * One vehicle's buckets of {@code bucket} (a whole number of hours) over {@code [from, to)},
     * a window aligned to them; empty when the engine has never heard of the vehicle.
     */
    public Optional<SeriesReport> series(String vehicleId, Instant from, Instant to, Duration bucket, String bucketName) {
        return jdbi.withHandle(handle -> {
            if (!Analytics.isKnown(handle, vehicleId)) {
                return Optional.empty();
            }
            List<SeriesReport.Point> points = handle.createQuery(SERIES)
                    .bind("vehicleId", vehicleId).bind("from", from).bind("to", to)
                    .bind("step", bucket.toHours() + " hours")
                    .map((rs, ctx) -> point(rs, bucket))
                    .list();
            return Optional.of(new SeriesReport(vehicleId, new PerformanceReport.Window(from, to), bucketName,
                    settings.efficiencyThreshold(), points));
        });
    }

    private static SeriesReport.Point point(ResultSet rs, Duration bucket) throws SQLException {
        Instant start = rs.getObject("bucket", java.time.OffsetDateTime.class).toInstant();
        BigDecimal ac = rs.getBigDecimal("ac");
        BigDecimal linkedDc = rs.getBigDecimal("linked_dc");
        return new SeriesReport.Point(start, start.plus(bucket), Analytics.plain(ac), Analytics.plain(rs.getBigDecimal("dc")),
                Analytics.plain(linkedDc), efficiency(ac, linkedDc), rounded(rs, "avg_temp"), rounded(rs, "max_temp"),
                rounded(rs, "last_soc"), rs.getLong("vehicle_readings"), rs.getLong("meter_readings"),
                new PerformanceReport.RegisterResets(rs.getLong("vehicle_resets"), rs.getLong("meter_resets")));
    }

    /** Linked DC ÷ AC to four decimals, or {@code null} without AC. */
    private static BigDecimal efficiency(BigDecimal ac, BigDecimal linkedDc) {
        return ac.signum() > 0
                ? Analytics.plain(linkedDc.divide(ac, MathContext.DECIMAL64).setScale(4, RoundingMode.HALF_EVEN))
                : null;
    }

    private static Double rounded(ResultSet rs, String column) throws SQLException {
        double value = rs.getDouble(column);
        return rs.wasNull() ? null : Analytics.round2(value);
    }

    private static FleetReport.Row row(ResultSet rs, long windowMinutes) throws SQLException {
        BigDecimal ac = rs.getBigDecimal("ac");
        BigDecimal linkedDc = rs.getBigDecimal("linked_dc");
        BigDecimal efficiency = efficiency(ac, linkedDc);
        List<String> flags = new ArrayList<>();
        for (FleetReport.Flag flag : FleetReport.Flag.values()) {
            if (rs.getBoolean(flag.label())) {
                flags.add(flag.label());
            }
        }
        // at most 1: readings up to the engine's future tolerance ahead of its clock fill minutes
        // that have not begun yet
        double coverage = Math.min(1, BigDecimal.valueOf(rs.getLong("both_minutes"))
                .divide(BigDecimal.valueOf(windowMinutes), 4, RoundingMode.HALF_EVEN).doubleValue());
        return new FleetReport.Row(rs.getString("vehicle_id"), meterIds(rs.getArray("meter_ids")), Analytics.plain(ac),
                Analytics.plain(rs.getBigDecimal("dc")), Analytics.plain(linkedDc), efficiency, rounded(rs, "avg_temp"),
                rs.getLong("vehicle_readings"), rs.getLong("meter_readings"), coverage,
                new PerformanceReport.RegisterResets(rs.getLong("vehicle_resets"), rs.getLong("meter_resets")), flags);
    }

    private static Cursor position(ResultSet rs) throws SQLException {
        BigDecimal efficiency = rs.getBigDecimal("efficiency");
        return new Cursor(rs.getInt("rank_group"), efficiency, rs.getString("vehicle_id"));
    }

    private static FleetReport.Summary summary(ResultSet rs) throws SQLException {
        return new FleetReport.Summary(rs.getLong("all_vehicles"), rs.getLong("all_low_efficiency"),
                rs.getLong("all_impossible_efficiency"), rs.getLong("all_no_meter_link"),
                rs.getLong("all_missing_meter_data"), rs.getLong("all_missing_vehicle_data"));
    }

    private static List<String> meterIds(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        List<String> ids = new ArrayList<>(List.of((String[]) array.getArray()));
        ids.sort(null);
        return ids;
    }
}
